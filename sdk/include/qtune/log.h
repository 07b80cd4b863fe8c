#pragma once
// Log: where plugins and contracts report. The framework writes it to the console and
// to the iteration's console.log; warnings are also recorded in iteration_index.json.
#include <string>
#include <string_view>

#include <boost/config.hpp>

namespace qtune {

class BOOST_SYMBOL_VISIBLE Log {
 public:
  virtual ~Log();
  virtual void info(std::string_view message) = 0;
  // A warning the user must see: also recorded in the iteration's artifacts.
  virtual void warn(std::string_view message) = 0;
  // Progress of long work ("block 3/40", "batch 120/625"); may be rate-limited.
  virtual void progress(std::string_view task, long done, long total) = 0;
};

// A Log that writes info/warn lines to stderr; for tools and tests.
Log& stderr_log();

}  // namespace qtune
