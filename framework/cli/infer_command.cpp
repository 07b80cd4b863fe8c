// qtune infer: the float model on .npy inputs, outputs written as .npy (a quick way to
// compare qtune's executor with another runtime on the same data).
#include <algorithm>
#include <iostream>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "exec/graph_executor.h"
#include "onnx/onnx_import.h"
#include "onnx/simplifier.h"
#include "qtune/npy.h"

namespace qtune::cli {
namespace {

namespace po = boost::program_options;

struct NamedInput {
  std::string name;  // empty: the model's only input
  std::filesystem::path file;
};

NamedInput parse_input(const std::string& value) {
  const auto eq = value.find('=');
  if (eq == std::string::npos) return {"", existing_file(value, "--input")};
  if (eq == 0) throw UsageError(fmt::format("--input '{}': expected NAME=file.npy", value));
  return {value.substr(0, eq), existing_file(value.substr(eq + 1), "--input")};
}

// Graph inputs in order, each fed from the matching --input; errors list the model's inputs.
std::vector<Tensor> order_inputs(const Graph& graph, const std::vector<NamedInput>& given,
                                 std::map<std::string, Tensor>& by_name, const std::filesystem::path& model) {
  std::vector<std::string> names;
  for (const Variable* v : graph.inputs()) names.push_back(v->name);
  const std::string listed = fmt::format("{}", fmt::join(names, ", "));
  if (given.size() == 1 && given[0].name.empty()) {
    if (names.size() != 1)
      throw UsageError(fmt::format("--input without NAME= needs a model with one input; {} has: {}", model.string(), listed));
    by_name[names[0]] = std::move(by_name[""]);
    by_name.erase("");
  }
  for (const auto& [name, tensor] : by_name)
    if (std::find(names.begin(), names.end(), name) == names.end())
      throw UsageError(fmt::format("--input: model {} has no input '{}'; its inputs: {}", model.string(), name, listed));
  std::vector<Tensor> ordered;
  for (const Variable* v : graph.inputs()) {
    auto it = by_name.find(v->name);
    if (it == by_name.end())
      throw UsageError(fmt::format("--input: no value for model input '{}' (inputs: {})", v->name, listed));
    ordered.push_back(it->second.dtype() == v->dtype ? it->second : it->second.cast(v->dtype));
  }
  return ordered;
}

std::string output_file_name(std::string name) {
  std::replace(name.begin(), name.end(), '/', '_');
  std::replace(name.begin(), name.end(), ':', '_');
  return name + ".npy";
}

}  // namespace

int infer_command(const Args& args) {
  po::options_description options("qtune infer options");
  std::string model_arg, output_arg;
  std::vector<std::string> input_args;
  options.add_options()
      ("model", po::value(&model_arg)->required(), "the ONNX model")
      ("input", po::value(&input_args)->required()->composing(),
       "NAME=file.npy for each model input (repeatable; just file.npy for a one-input model)")
      ("output-dir", po::value(&output_arg)->required(), "folder for <output name>.npy ('/' and ':' become '_')");
  po::variables_map vm;
  if (!parse_options("infer", "--model M.onnx --input NAME=file.npy [...] --output-dir D", options, args, vm))
    return kExitOk;
  const auto model_path = existing_file(model_arg, "--model");
  std::vector<NamedInput> given;
  for (const auto& value : input_args) given.push_back(parse_input(value));
  std::map<std::string, Tensor> by_name;
  for (const auto& input : given) {
    if (by_name.count(input.name)) throw UsageError(fmt::format("--input: '{}' given twice", input.name));
    if (input.name.empty() && given.size() > 1) throw UsageError("--input: NAME=file.npy is required for several inputs");
    by_name[input.name] = read_npy(input.file);
  }

  Stopwatch watch;
  Graph graph = import_onnx(model_path);
  std::vector<Tensor> inputs = order_inputs(graph, given, by_name, model_path);
  // The .npy shapes are the input shapes: re-import only when the model's own differ
  // (dynamic or other batch), so that shape inference sees the real ones.
  std::vector<Shape> shapes;
  bool same = true;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    shapes.push_back(inputs[i].shape());
    same = same && graph.inputs()[i]->shape == inputs[i].shape();
  }
  if (!same) {
    // A model exported with a fixed batch of 1 is still run on the .npy batch: the
    // importer lets only batch_size (not input_shapes) change a fixed dim 0.
    std::int64_t batch = inputs.empty() || inputs[0].rank() == 0 ? 0 : inputs[0].dim(0);
    for (const Tensor& t : inputs)
      if (t.rank() == 0 || t.dim(0) != batch) batch = 0;
    graph = import_onnx(model_path, ImportOptions{shapes, batch});
  }
  simplify(graph);
  const double import_s = watch.lap();

  // First TBB work of the process happens here, on the main thread's request.
  const std::vector<Tensor> outputs = make_executor(graph)->run(inputs);
  const double run_s = watch.lap();

  const std::filesystem::path output_dir = output_arg;
  std::filesystem::create_directories(output_dir);
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const std::string& name = graph.outputs()[i]->name;
    const std::filesystem::path file = output_dir / output_file_name(name);
    write_npy(file, outputs[i]);
    std::cout << fmt::format("{}  {}  {}\n", name, shape_str(outputs[i].shape()), file.string());
  }
  std::cerr << fmt::format("import+simplify {:.3f} s, run {:.3f} s\n", import_s, run_s);
  return kExitOk;
}

}  // namespace qtune::cli
