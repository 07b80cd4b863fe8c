#pragma once
// The deployable model of one iteration: outputs/iter_N/model.espdl with model.info and
// model.json beside it, written from the iteration's calibrated graph. run_iteration calls
// this last, so every iteration folder holds the file the chip loads.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "qtune/contract_config.h"
#include "qtune/graph.h"
#include "qtune/log.h"
#include "quant/target_policy.h"

namespace qtune {

inline constexpr const char* kModelEspdlFile = "model.espdl";
inline constexpr const char* kModelInfoFile = "model.info";
inline constexpr const char* kModelJsonFile = "model.json";

// Writes the three files into `dir` (atomically). `policy` is the iteration's (target,
// bits, dispatching table); input shapes (batch 1) come from `config.input_shapes`, the
// ir_version from the ONNX file `config.model`. `test_inputs` (one tensor per graph
// input, e.g. the first calibration batch; sample 0 is used) adds test values; empty =
// none. Every export warning goes to log.warn. Returns artifact key -> file name for
// IterationRecord::paths: "model_espdl", "model_info", "model_json". Throws on failure.
std::map<std::string, std::string> export_iteration_model(const Graph& quantized, const TargetPolicy& policy,
                                                          const ContractConfig& config, const std::filesystem::path& dir,
                                                          Log& log, const std::vector<Tensor>& test_inputs = {});

}  // namespace qtune
