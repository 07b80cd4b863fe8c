#pragma once
// What every verb of the qtune CLI shares: option parsing with one-line usage errors,
// the exit-code policy, file checks and step timing.
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "qtune/error.h"

namespace qtune::cli {

// Exit codes: 0 ok, 1 run-time failure, 2 bad usage or bad input (qtune::InputError).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// A wrong command line (unknown flag, missing flag, missing file): reported on one line
// with a pointer to the verb's --help.
class UsageError : public InputError {
 public:
  using InputError::InputError;
};

// Parses `args` (the words after the verb) into `vm`. Prints the verb's help and
// returns false when --help is given; throws UsageError for any other problem.
bool parse_options(const std::string& verb, const std::string& synopsis,
                   boost::program_options::options_description& options, const std::vector<std::string>& args,
                   boost::program_options::variables_map& vm);

// Runs a verb's body and maps exceptions to messages and exit codes.
int run_verb(const std::string& verb, const std::function<int()>& body);

// `value` as a path to an existing regular file, else a UsageError naming `flag`.
std::filesystem::path existing_file(const std::string& value, const std::string& flag);
std::filesystem::path existing_directory(const std::string& value, const std::string& flag);

// Wall time of one step, for the "[1.23 s]" suffixes.
class Stopwatch {
 public:
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }
  // Seconds since the last lap (or construction), then restarts.
  double lap();

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace qtune::cli
