#pragma once
// Small builders shared by the calibration tests.
#include <vector>

#include "qtune/quant_config.h"
#include "qtune/tensor.h"

namespace qtune::calib::test {

inline TensorQuantConfig int8_config(int channel_axis = -1) {
  TensorQuantConfig c;
  c.bits = 8;
  c.quant_min = -128;
  c.quant_max = 127;
  c.channel_axis = channel_axis;
  return c;
}

inline TensorQuantConfig int16_config() {
  TensorQuantConfig c;
  c.bits = 16;
  c.quant_min = -32768;
  c.quant_max = 32767;
  return c;
}

inline Tensor tensor(std::vector<float> values) {
  const auto n = static_cast<std::int64_t>(values.size());
  return Tensor::from<float>({n}, values);
}

}  // namespace qtune::calib::test
