#include "export/test_values.h"

#include <fmt/format.h>

#include "exec/graph_executor.h"
#include "export/export_integers.h"
#include "export/tensor_permute.h"
#include "qtune/error.h"
#include "qtune/fake_quant.h"
#include "qtune/quant_graph.h"

namespace qtune {
namespace {

Tensor first_sample(const Tensor& t, const std::string& name) {
  if (t.rank() == 0 || t.dim(0) < 1) throw InputError(fmt::format("export: test input '{}' has shape {}, expected a batch", name, shape_str(t.shape())));
  Shape s = t.shape();
  s[0] = 1;
  Tensor out = Tensor::uninitialized(t.dtype(), s);
  std::memcpy(out.raw(), t.raw(), out.byte_size());
  return out;
}

EspdlTensor to_test_tensor(const ExportGraph& eg, const std::string& name, const Tensor& value) {
  const Variable* v = eg.graph.find_variable(name);
  if (!v) throw Error(fmt::format("export: test value '{}' is not a variable of the exported graph", name));
  Tensor t = value;
  if (auto p = eg.perms.find(name); p != eg.perms.end() && p->second.size() == t.rank()) t = permute_tensor(t, p->second);
  if (t.rank() == 0) t = t.reshaped({1});
  auto b = eg.bound.find(name);
  if (b == eg.bound.end() || t.dtype() != DType::Float32) return EspdlTensor::from(name, t, {0});
  const TensorQuantConfig& c = *b->second;
  return EspdlTensor::from_ints(name, espdl_data_type_of(integer_dtype(c.bits)), t.shape(), quantize_to_int(t, c),
                                std::vector<std::int64_t>(c.exponents.begin(), c.exponents.end()));
}

}  // namespace

TestValues export_test_values(const Graph& quantized, const ExportGraph& eg, const std::vector<Tensor>& inputs) {
  const auto& graph_inputs = quantized.inputs();
  if (inputs.size() != graph_inputs.size())
    throw InputError(fmt::format("export: {} test inputs for {} graph inputs", inputs.size(), graph_inputs.size()));
  std::vector<Tensor> batch;
  for (std::size_t i = 0; i < inputs.size(); ++i) batch.push_back(first_sample(inputs[i], graph_inputs[i]->name));
  const auto hook = make_quant_hook();
  const std::vector<Tensor> outputs = make_executor(quantized)->run(batch, hook.get());
  TestValues out;
  for (std::size_t i = 0; i < batch.size(); ++i) out.inputs.push_back(to_test_tensor(eg, graph_inputs[i]->name, batch[i]));
  for (std::size_t i = 0; i < outputs.size(); ++i)
    out.outputs.push_back(to_test_tensor(eg, quantized.outputs()[i]->name, outputs[i]));
  return out;
}

}  // namespace qtune
