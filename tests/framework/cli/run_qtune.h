#pragma once
// Runs the built qtune binary in a shell and captures its exit code and output.
#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace qtune::test {

struct CliResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

inline std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// `args` is shell text (quote paths with quoted()); QTUNE_PLUGIN_PATH is cleared so the
// user's environment cannot change what a test sees.
inline CliResult run_qtune(const std::string& args) {
  static int counter = 0;
  const std::string err_file = std::string(::testing::TempDir()) + "qtune_cli_stderr_" + std::to_string(::getpid()) + "_" +
                               std::to_string(++counter);
  const std::string command =
      "QTUNE_PLUGIN_PATH= " + quoted(std::string(QTUNE_BINARY_DIR) + "/bin/qtune") + " " + args + " 2>" + quoted(err_file);
  CliResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer;
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (FILE* f = std::fopen(err_file.c_str(), "r")) {
    while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), f)) result.err.append(buffer.data(), n);
    std::fclose(f);
    std::remove(err_file.c_str());
  }
  return result;
}

}  // namespace qtune::test
