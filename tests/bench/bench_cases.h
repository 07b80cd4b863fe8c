#pragma once
// The models and calibration data the calibration and analyser benchmarks run on, loaded as
// `qtune iterate` would have them just before quantization:
//  - "mobilenetv2": the Fashion-MNIST MobileNetV2-style net through its contract
//    (calib_steps batches of its training images);
//  - "cls", "det": the esp-ppq parity cases (tests/fixtures/parity): PP-OCR cls
//    `cls_fixed.onnx` with 8 batches of 4, PP-OCRv4 det (the pinned model, dynamic dims fixed
//    to 224x320) with 8 batches of 2; simplified, and det's ConvTransposes decomposed into
//    InsertZeros + Conv as the iteration's prequantize step does.
// Needs QTUNE_SOURCE_DIR / QTUNE_BINARY_DIR and io_dims_fix.cpp in the target.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "framework/onnx/io_dims_fix.h"
#include "host/contract_host.h"
#include "onnx/onnx_import.h"
#include "onnx/simplifier.h"
#include "qtune/npy.h"
#include "quant/conv_transpose_decomposition.h"
#include "quant/target_policy.h"

namespace qtune::bench {

// Consecutive batches of `batch` samples from an .npy of [N, ...] float32 samples.
inline std::vector<Batch> npy_batches(const std::filesystem::path& npy, std::int64_t batch) {
  const Tensor all = read_npy(npy);
  const std::int64_t per = all.numel() / all.dim(0);
  std::vector<Batch> out;
  for (std::int64_t s = 0; s + batch <= all.dim(0); s += batch) {
    Shape shape = all.shape();
    shape[0] = batch;
    Tensor t(shape);
    std::copy_n(all.data<float>() + s * per, batch * per, t.data<float>());
    out.push_back({t});
  }
  return out;
}

struct ModelCase {
  Graph graph;
  std::vector<Batch> calibration;
};

// One of "mobilenetv2", "cls", "det"; anything else throws std::invalid_argument.
inline ModelCase load_model_case(const std::string& name) {
  namespace fs = std::filesystem;
  const fs::path src(QTUNE_SOURCE_DIR), bin(QTUNE_BINARY_DIR);
  ModelCase c;
  if (name == "mobilenetv2") {
    ContractHost host(bin / "contracts" / "libfashion_mnist_mobilenetv2.so");
    c.graph = host.load_graph();
    c.calibration = host.calibration_batches(static_cast<std::size_t>(host.config().calib_steps));
    return c;
  }
  if (name == "cls") {
    c.graph = import_onnx(src / "tests/fixtures/parity/ppocr_cls/cls_fixed.onnx");
    c.calibration = npy_batches(src / "tests/fixtures/parity/ppocr_cls/calib.npy", 4);
  } else if (name == "det") {
    const char* cache = std::getenv("QTUNE_MODEL_CACHE");
    const fs::path model = (cache && *cache ? fs::path(cache) : src / ".cache/models") / "ppocr/det.onnx";
    const test::IoDims dims = {{"x", {-1, 3, 224, 320}}, {"sigmoid_0.tmp_0", {-1, 1, 224, 320}}};
    c.graph = import_onnx_bytes(test::onnx_with_io_dims(model, dims), model.string());
    c.calibration = npy_batches(src / "tests/fixtures/parity/ppocr_det/calib.npy", 2);
  } else {
    throw std::invalid_argument("unknown case '" + name + "' (mobilenetv2, cls, det)");
  }
  simplify(c.graph);
  TargetPolicy policy = TargetPolicy::from_target("esp32p4");
  if (policy.convtranspose_decomposition()) decompose_conv_transposes(c.graph, policy);
  return c;
}

}  // namespace qtune::bench
