#pragma once
// Runs `f`, expects an exception of type E, returns its message (so a test asserts what an
// error says, and that it is of the expected kind, e.g. InputError).
#include <string>

#include <gtest/gtest.h>

namespace qtune::test {

template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return "";
}

}  // namespace qtune::test
