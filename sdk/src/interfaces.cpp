// Out-of-line destructors and default methods of the SDK interfaces: one home for
// their vtables and type_info, so type identity holds across plugin libraries.
#include <fmt/format.h>

#include "qtune/sdk.h"

namespace qtune {

Error::~Error() = default;
InputError::~InputError() = default;
Plugin::~Plugin() = default;
Log::~Log() = default;
BatchLoader::~BatchLoader() = default;
OpHook::~OpHook() = default;
Executor::~Executor() = default;
Model::~Model() = default;
ArtifactStore::~ArtifactStore() = default;
PassContext::~PassContext() = default;
Pass::~Pass() = default;
BlockTrainer::~BlockTrainer() = default;
AnalysisContext::~AnalysisContext() = default;
Analyser::~Analyser() = default;
StrategyContext::~StrategyContext() = default;
Strategy::~Strategy() = default;
Contract::~Contract() = default;
Observer::~Observer() = default;
CalibrationAlgorithm::~CalibrationAlgorithm() = default;

void Observer::observe_second_pass(const Tensor&) {
  throw Error("observe_second_pass() called on an observer that needs no second pass");
}

bool OpHook::map_input(const Op&, std::size_t, const Tensor&, Tensor&) { return false; }
void OpHook::on_outputs(const Op&, std::span<Tensor>) {}

Metrics Contract::evaluate_fast(const Model&) {
  throw Error("evaluate_fast() is not provided by this contract (has_evaluate_fast() is false)");
}

const char* pass_stage_name(PassStage stage) {
  switch (stage) {
    case PassStage::PreQuantize: return "pre-quantize";
    case PassStage::Fusion: return "fusion";
    case PassStage::Calibration: return "calibration";
    case PassStage::Alignment: return "alignment";
    case PassStage::BiasCorrection: return "bias-correction";
    case PassStage::Training: return "training";
    case PassStage::Finalize: return "finalize";
  }
  return "?";
}

}  // namespace qtune
