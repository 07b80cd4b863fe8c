#include "export/iteration_export.h"

#include <fmt/format.h>

#include "export/espdl_export.h"
#include "onnx/onnx_ir_version.h"

namespace qtune {

std::map<std::string, std::string> export_iteration_model(const Graph& quantized, const TargetPolicy& policy,
                                                          const ContractConfig& config, const std::filesystem::path& dir,
                                                          Log& log, const std::vector<Tensor>& test_inputs) {
  EspdlExportOptions options;
  options.input_shapes = config.input_shapes;
  options.test_inputs = test_inputs;
  if (auto v = onnx_ir_version(config.model)) options.ir_version = static_cast<std::int32_t>(*v);
  const EspdlExport result = write_espdl(quantized, policy, dir / kModelEspdlFile, options);
  for (const std::string& w : result.warnings) log.warn(w);
  log.info(fmt::format("export: wrote {} (nodes: {}, initializers: {}{}), {}, {}", (dir / kModelEspdlFile).string(),
                       result.model.graph.nodes.size(), result.model.graph.initializers.size(),
                       result.model.graph.test_inputs.empty() ? "" : ", with test values", kModelInfoFile, kModelJsonFile));
  return {{"model_espdl", kModelEspdlFile}, {"model_info", kModelInfoFile}, {"model_json", kModelJsonFile}};
}

}  // namespace qtune
