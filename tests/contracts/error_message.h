#pragma once
// The message of the exception `call` throws ("" when it throws none), so a test can
// assert what an error says, not only that there was one.
#include <exception>
#include <string>

namespace qtune::test {

template <class F>
std::string error_message(F&& call) {
  try {
    call();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace qtune::test
