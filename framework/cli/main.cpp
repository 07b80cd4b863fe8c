// qtune: dispatches to one verb per file (plugins, check-contract, infer, iterate, export, inspect).
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "qtune/abi.h"

namespace {

std::string verb_names() {
  std::string names;
  for (const auto& verb : qtune::cli::kVerbs) names += (names.empty() ? "" : ", ") + std::string(verb.name);
  return names;
}

void print_help(std::ostream& out) {
  out << "usage: qtune <verb> [options]   (qtune <verb> --help for a verb's options)\n"
         "       qtune --help | --version\n\n"
         "qtune tunes post-training quantization of neural networks for Espressif ESP-DL chips.\n\n"
         "verbs:\n";
  for (const auto& verb : qtune::cli::kVerbs) out << fmt::format("  {:<16}{}\n", verb.name, verb.summary);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace qtune::cli;
  if (argc < 2) {
    print_help(std::cerr);
    return kExitUsage;
  }
  const std::string first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    print_help(std::cout);
    return kExitOk;
  }
  if (first == "--version") {
    std::cout << fmt::format("qtune {} (SDK ABI {})\n", QTUNE_VERSION, qtune::kAbiVersion);
    return kExitOk;
  }
  const Args args(argv + 2, argv + argc);
  for (const auto& verb : kVerbs)
    if (first == verb.name) return run_verb(verb.name, [&] { return verb.run(args); });
  std::cerr << fmt::format("qtune: unknown verb '{}'; verbs: {}\n(see qtune --help)\n", first, verb_names());
  return kExitUsage;
}
