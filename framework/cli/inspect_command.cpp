// qtune inspect: an .espdl file as model.info text (export/espdl_info.h), read back by
// qtune's reader; --check also runs ESP-DL's loader checklist (export/espdl_checklist.h).
#include <iostream>

#include <fmt/format.h>

#include "artifacts/atomic_file.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "export/espdl_checklist.h"
#include "export/espdl_file.h"
#include "export/espdl_info.h"

namespace qtune::cli {

namespace po = boost::program_options;

int inspect_command(const Args& args) {
  po::options_description options("qtune inspect options");
  std::string file_arg;
  options.add_options()
      ("file", po::value(&file_arg)->required(), "the .espdl file (the flag may be left out)")
      ("check", po::bool_switch(), "also check what ESP-DL's loader needs; exit 1 when something is missing");
  po::variables_map vm;
  // parse_options takes no positionals: "qtune inspect [--check] F.espdl" means --file F.espdl.
  Args words;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool after_file = i > 0 && args[i - 1] == "--file";
    if (!after_file && args[i].rfind("-", 0) != 0) words.push_back("--file");
    words.push_back(args[i]);
  }
  if (!parse_options("inspect", "F.espdl [--check]", options, words, vm)) return kExitOk;
  const std::filesystem::path path = existing_file(file_arg, "file");
  const std::string bytes = read_file(path);
  const EspdlModel model = parse_espdl(bytes, path.string());
  std::cout << espdl_info_text(model);
  if (!vm["check"].as<bool>()) return kExitOk;
  const std::vector<std::string> problems = espdl_loader_problems(bytes, path.string());
  for (const auto& p : problems) std::cerr << fmt::format("qtune inspect: {}: {}\n", path.string(), p);
  if (problems.empty()) std::cerr << fmt::format("qtune inspect: {}: loader checklist passed\n", path.string());
  return problems.empty() ? kExitOk : kExitFailure;
}

}  // namespace qtune::cli
