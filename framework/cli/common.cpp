#include "cli/common.h"

#include <iostream>

#include <fmt/format.h>

namespace qtune::cli {

namespace po = boost::program_options;

bool parse_options(const std::string& verb, const std::string& synopsis, po::options_description& options,
                   const std::vector<std::string>& args, po::variables_map& vm) {
  options.add_options()("help,h", "print this help");
  try {
    po::store(po::command_line_parser(args).options(options).run(), vm);
    // --help wins over missing required flags, so it is checked before notify().
    if (vm.count("help")) {
      std::cout << "usage: qtune " << verb << " " << synopsis << "\n\n" << options << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  return true;
}

int run_verb(const std::string& verb, const std::function<int()>& body) {
  try {
    return body();
  } catch (const UsageError& e) {
    std::cerr << fmt::format("qtune {}: {}\n(see qtune {} --help)\n", verb, e.what(), verb);
    return kExitUsage;
  } catch (const InputError& e) {
    std::cerr << fmt::format("qtune {}: {}\n", verb, e.what());
    return kExitUsage;
  } catch (const Error& e) {
    std::cerr << fmt::format("qtune {}: {}\n", verb, e.what());
    return kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << fmt::format("qtune {}: internal error: {}\n", verb, e.what());
    return kExitFailure;
  }
}

std::filesystem::path existing_file(const std::string& value, const std::string& flag) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(value, ec))
    throw UsageError(fmt::format("{}: file '{}' does not exist", flag, value));
  return std::filesystem::absolute(value);
}

std::filesystem::path existing_directory(const std::string& value, const std::string& flag) {
  std::error_code ec;
  if (!std::filesystem::is_directory(value, ec))
    throw UsageError(fmt::format("{}: directory '{}' does not exist", flag, value));
  return std::filesystem::absolute(value);
}

double Stopwatch::lap() {
  const auto now = std::chrono::steady_clock::now();
  const double s = std::chrono::duration<double>(now - start_).count();
  start_ = now;
  return s;
}

}  // namespace qtune::cli
