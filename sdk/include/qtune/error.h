#pragma once
// Exceptions used across qtune. Every message names the thing (file, op, key, plugin)
// and what was expected; callers add context by catching and rethrowing.
#include <stdexcept>
#include <string>

#include <boost/config.hpp>

namespace qtune {

// Any failure qtune reports to the user.
class BOOST_SYMBOL_VISIBLE Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  ~Error() override;
};

// Bad user input: a file, flag, setting key or config value. The CLI exits 2 on these.
class BOOST_SYMBOL_VISIBLE InputError : public Error {
 public:
  using Error::Error;
  ~InputError() override;
};

}  // namespace qtune
