#include "quant/quant_hook.h"

#include "quant/fake_quant.h"
#include "quant/quantizer.h"

namespace qtune {
namespace {

class QuantHook final : public OpHook {
 public:
  bool map_input(const Op& op, std::size_t index, const Tensor& value, Tensor& out) override {
    if (value.dtype() != DType::Float32 || !applied_at_input(op, index)) return false;
    out = fake_quantize(value, *input_config(op, index));
    return true;
  }
  void on_outputs(const Op& op, std::span<Tensor> outputs) override {
    for (std::size_t j = 0; j < outputs.size(); ++j)
      if (outputs[j].dtype() == DType::Float32 && applied_at_output(op, j))
        fake_quantize_inplace(outputs[j], *op.outputs[j]->quant);
  }
};

}  // namespace

std::unique_ptr<OpHook> make_quant_hook(const Graph&) { return std::make_unique<QuantHook>(); }

}  // namespace qtune
