#pragma once
// The verbs of the qtune CLI; each takes the words after the verb and returns the
// process exit code (see common.h).
#include <string>
#include <vector>

namespace qtune::cli {

using Args = std::vector<std::string>;

int plugins_command(const Args& args);
int check_contract_command(const Args& args);
int infer_command(const Args& args);
int iterate_command(const Args& args);
int export_command(const Args& args);
int inspect_command(const Args& args);
int compare_command(const Args& args);
int run_command(const Args& args);

struct Verb {
  const char* name;
  const char* summary;
  int (*run)(const Args&);
};

inline constexpr Verb kVerbs[] = {
    {"plugins", "list loaded pass/analyser/strategy plugins, or --describe one", &plugins_command},
    {"check-contract", "load a contract and run each of its functions once", &check_contract_command},
    {"infer", "run the float model on .npy inputs and write its outputs as .npy", &infer_command},
    {"iterate", "run one tuning iteration: quantize, calibrate, evaluate, write its artifacts", &iterate_command},
    {"export", "re-run an iteration and write its deployable model.espdl (+ .info, .json)", &export_command},
    {"compare", "let the strategy read outputs/: comparison.json, next step, finalize (best/, final_report.md)", &compare_command},
    {"run", "the whole search: baseline, then strategy -> iterate -> compare until target, plateau or budget", &run_command},
    {"inspect", "print an .espdl file as model.info text; --check runs ESP-DL's loader checklist", &inspect_command},
};

}  // namespace qtune::cli
