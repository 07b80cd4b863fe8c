// The generic ONNX contract through ContractHost: config validation (each error's text),
// calibration slicing, and every metric against a value computed here by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "error_message.h"
#include "fake_model.h"
#include "host/contract_host.h"
#include "qtune/npy.h"

namespace qtune {
namespace {

namespace fs = std::filesystem;
using test::error_message;
using test::FakeModel;

const fs::path kLibrary = fs::path(QTUNE_CONTRACT_DIR) / "libgeneric_onnx.so";
constexpr std::int64_t kWidth = 4;   // test models: input [N, 4] -> output [N, 4]
constexpr std::int64_t kSamples = 6;

// Evaluation inputs: the identity model's outputs. Row argmaxes: 0, 1, 2, 3, 0, 1.
const std::vector<float> kEvalInputs = {
    3, 1, 0, 0,   0, 2, 1, 0,   1, 0, 5, 2,   0, 0, 1, 4,   2, 1, 1, 1,   -1, 3, 0, 2};
// Labels: the float model gets samples 0, 1, 2, 4 right (top1 4/6); the quantized one
// also loses sample 2 (3/6).
const std::vector<std::int64_t> kLabels = {0, 1, 2, 0, 0, 2};
// The "quantized" model adds this to the float output (sample 2 flips its argmax to 3).
float noise(std::int64_t sample, std::int64_t k) {
  if (sample == 2 && k == 3) return 3.5f;
  return 0.25f * static_cast<float>((sample + k) % 3) - 0.25f;
}

Tensor identity(const Tensor& input) { return input; }
Tensor noisy(const Tensor& input) {
  // Rows are identified by their first value pair, so noise follows the sample, not the batch.
  Tensor out = input;
  for (std::int64_t n = 0; n < input.dim(0); ++n) {
    std::int64_t sample = -1;
    for (std::int64_t s = 0; s < kSamples; ++s)
      if (std::equal(kEvalInputs.begin() + s * kWidth, kEvalInputs.begin() + (s + 1) * kWidth,
                     input.data<float>() + n * kWidth))
        sample = s;
    for (std::int64_t k = 0; k < kWidth; ++k) out.data<float>()[n * kWidth + k] += noise(sample, k);
  }
  return out;
}
const FakeModel kFloat({1, kWidth}, false, identity);
const FakeModel kQuantized({1, kWidth}, true, noisy);

struct Expected {
  double snr = 0, cosine = 0, agreement = 0;
};
// The definitions of docs/contract_guide.md, over the first n samples, in double.
Expected by_hand(std::int64_t n) {
  double signal = 0, noise_power = 0, cosine = 0;
  std::int64_t agree = 0;
  for (std::int64_t s = 0; s < n; ++s) {
    double dot = 0, aa = 0, bb = 0;
    std::int64_t ref_arg = 0, out_arg = 0;
    for (std::int64_t k = 0; k < kWidth; ++k) {
      const double r = kEvalInputs[s * kWidth + k];
      const double o = static_cast<float>(r) + noise(s, k);
      signal += r * r;
      noise_power += (o - r) * (o - r);
      dot += o * r, aa += o * o, bb += r * r;
      if (r > kEvalInputs[s * kWidth + ref_arg]) ref_arg = k;
      if (o > static_cast<float>(kEvalInputs[s * kWidth + out_arg]) + noise(s, out_arg)) out_arg = k;
    }
    cosine += dot / std::sqrt(aa * bb);
    agree += ref_arg == out_arg;
  }
  return {10.0 * std::log10(signal / noise_power), cosine / static_cast<double>(n),
          100.0 * static_cast<double>(agree) / static_cast<double>(n)};
}

class GenericOnnxContract : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / "qtune_generic_onnx_tests" / info->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    std::ofstream(dir_ / "model.onnx") << "not parsed by these tests";
    std::vector<float> calib(10 * kWidth);
    for (std::size_t i = 0; i < calib.size(); ++i) calib[i] = static_cast<float>(i);
    write_npy(dir_ / "data/calib.npy", Tensor::from(Shape{10, kWidth}, calib));
    write_npy(dir_ / "data/eval.npy", Tensor::from(Shape{kSamples, kWidth}, kEvalInputs));
    write_npy(dir_ / "data/labels.npy", Tensor::from(Shape{kSamples}, kLabels));
  }

  // A config with `evaluation` (JSON text, may be empty) and extra top-level members.
  fs::path config(const std::string& evaluation, const std::string& extra = "",
                  const std::string& quant_config_extra = "") {
    const fs::path file = dir_ / "cfg.json";
    std::ofstream(file) << R"({"quant_config": {"model": "model.onnx", "input_shape": [1, 4], "batch_size": 4)"
                        << quant_config_extra << R"(}, "calibration": "data/calib.npy")"
                        << (evaluation.empty() ? "" : R"(, "evaluation": )" + evaluation) << extra << "}";
    return file;
  }
  std::string host_error(const fs::path& cfg) {
    return error_message([&] { ContractHost h(kLibrary, cfg); });
  }
  static constexpr const char* kTop1 = R"({"inputs": "data/eval.npy", "labels": "data/labels.npy", "metric": "top1"})";
  fs::path dir_;
};

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "expected \"" << part << "\" in: " << text;
}

TEST_F(GenericOnnxContract, NeedsTheConfigFlag) {
  expect_contains(error_message([&] { ContractHost h(kLibrary); }), "--contract-config");
}

TEST_F(GenericOnnxContract, MissingConfigFileIsNamed) {
  const std::string error = host_error(dir_ / "absent.json");
  expect_contains(error, (dir_ / "absent.json").string());
  expect_contains(error, "cannot open");
}

TEST_F(GenericOnnxContract, RelativePathsResolveAgainstTheConfigFolder) {
  const ContractHost h(kLibrary, config(kTop1));
  EXPECT_EQ(h.config().model, dir_ / "model.onnx");
  // primary_metric and metric_direction come from evaluation.metric when left out.
  EXPECT_EQ(h.config().primary_metric, "top1");
  EXPECT_EQ(h.config().metric_direction, "max");
  EXPECT_EQ(h.config().batch_size, 4);
}

TEST_F(GenericOnnxContract, UnknownKeysAreNamed) {
  std::string error = host_error(config(kTop1, R"(, "calibraton": "x.npy")"));
  expect_contains(error, (dir_ / "cfg.json").string());
  expect_contains(error, "unknown key \"calibraton\"");
  error = host_error(config(R"({"inputs": "data/eval.npy", "metric": "snr", "fastsamples": 3})"));
  expect_contains(error, "unknown key \"evaluation.fastsamples\"");
  error = host_error(config(kTop1, R"(, "calibration": "data/calib.npy")"));
  expect_contains(error, "key \"calibration\" appears more than once");
}

TEST_F(GenericOnnxContract, WrongTypesNameKeyAndExpectedType) {
  fs::path cfg = dir_ / "cfg.json";
  std::ofstream(cfg) << R"({"quant_config": {"model": "model.onnx", "input_shape": [1, 4]}, "calibration": 5})";
  expect_contains(host_error(cfg), "\"calibration\" must be a .npy path or a non-empty list of .npy paths");
  expect_contains(host_error(config(R"({"inputs": "data/eval.npy", "metric": "snr", "fast_samples": "3"})")),
                  "\"evaluation.fast_samples\" must be a positive integer");
  expect_contains(host_error(config(R"({"inputs": "data/eval.npy", "metric": "mse"})")),
                  "\"evaluation.metric\" is \"mse\", expected one of: top1, snr, cosine, top1_agreement");
  expect_contains(host_error(config(R"({"inputs": "data/eval.npy", "metric": "top1"})")),
                  "needs \"evaluation.labels\"");
  expect_contains(host_error(config(kTop1, "", R"(, "metric_direction": "min")")),
                  "\"quant_config.metric_direction\" is \"min\"");
  expect_contains(host_error(config(kTop1, "", R"(, "primary_metric": "snr")")),
                  "\"quant_config.primary_metric\" is \"snr\" but \"evaluation.metric\" is \"top1\"");
}

TEST_F(GenericOnnxContract, MissingNpyFileIsNamed) {
  const std::string error = host_error(config(R"({"inputs": "data/nope.npy", "metric": "snr"})"));
  expect_contains(error, "\"evaluation.inputs\": file not found");
  expect_contains(error, (dir_ / "data/nope.npy").string());
}

TEST_F(GenericOnnxContract, CalibrationShapeMismatchNamesTheFile) {
  write_npy(dir_ / "data/calib.npy", Tensor(Shape{10, 5}));
  ContractHost h(kLibrary, config(kTop1));
  const std::string error = error_message([&] { h.calibration_batches(1); });
  expect_contains(error, (dir_ / "data/calib.npy").string());
  expect_contains(error, "has shape [10, 5], expected [N, 4]");
}

TEST_F(GenericOnnxContract, EvaluationShapeMismatchNamesTheFile) {
  write_npy(dir_ / "data/eval.npy", Tensor(Shape{kSamples, 2, 2}));
  ContractHost h(kLibrary, config(kTop1));
  const std::string error = error_message([&] { h.evaluate(kFloat); });
  expect_contains(error, (dir_ / "data/eval.npy").string());
  expect_contains(error, "expected [N, 4]");
}

TEST_F(GenericOnnxContract, CalibrationBatchesAreFullSlicesInOrder) {
  ContractHost h(kLibrary, config(kTop1));
  // 10 samples, batch 4: two full batches per epoch (the 2 left over are dropped), then wrap.
  const std::vector<Batch> batches = h.calibration_batches(3);
  ASSERT_EQ(batches.size(), 3u);
  for (std::size_t b = 0; b < 3; ++b) {
    ASSERT_EQ(batches[b][0].shape(), (Shape{4, kWidth}));
    const std::size_t first = (b % 2) * 4 * kWidth;
    for (std::int64_t i = 0; i < 4 * kWidth; ++i)
      EXPECT_EQ(batches[b][0].data<float>()[i], static_cast<float>(first + static_cast<std::size_t>(i)));
  }
}

TEST_F(GenericOnnxContract, Top1AgainstLabels) {
  ContractHost h(kLibrary, config(kTop1));
  const Metrics m = h.evaluate(kQuantized);
  EXPECT_DOUBLE_EQ(m.at("top1"), 100.0 * 3 / 6);
  EXPECT_EQ(m.at("samples"), 6.0);
  EXPECT_EQ(m.count("snr"), 0u);                    // no reference: no fidelity metrics
  EXPECT_DOUBLE_EQ(h.evaluate(kFloat).at("top1"), 100.0 * 4 / 6);
}

TEST_F(GenericOnnxContract, FidelityMetricsAgainstTheFirstFloatModel) {
  ContractHost h(kLibrary, config(R"({"inputs": "data/eval.npy", "labels": "data/labels.npy", "metric": "snr"})"));
  const Metrics self = h.evaluate(kFloat);
  EXPECT_EQ(self.at("snr"), 200.0);  // identical outputs: the documented cap
  EXPECT_DOUBLE_EQ(self.at("cosine"), 1.0);
  EXPECT_DOUBLE_EQ(self.at("top1_agreement"), 100.0);

  const Metrics m = h.evaluate(kQuantized);
  const Expected e = by_hand(kSamples);
  EXPECT_NEAR(m.at("snr"), e.snr, 1e-9);
  EXPECT_NEAR(m.at("cosine"), e.cosine, 1e-12);
  EXPECT_DOUBLE_EQ(m.at("top1_agreement"), e.agreement);
  EXPECT_DOUBLE_EQ(m.at("top1_agreement"), 100.0 * 5 / 6);  // only sample 2 flips
  EXPECT_TRUE(m.count("top1"));
}

TEST_F(GenericOnnxContract, QuantizedFirstWithoutReferenceIsAnError) {
  ContractHost h(kLibrary, config(R"({"inputs": "data/eval.npy", "metric": "cosine"})"));
  const std::string error = error_message([&] { h.evaluate(kQuantized); });
  expect_contains(error, "evaluate the float model first");
  expect_contains(error, "reference_outputs");
}

TEST_F(GenericOnnxContract, ReferenceOutputsFileAndFastSamples) {
  write_npy(dir_ / "data/ref.npy", Tensor::from(Shape{kSamples, kWidth}, kEvalInputs));
  ContractHost h(kLibrary, config(R"({"inputs": "data/eval.npy", "reference_outputs": "data/ref.npy",
                                      "metric": "top1_agreement", "fast_samples": 3})"));
  ASSERT_TRUE(h.has_evaluate_fast());
  EXPECT_EQ(h.config().primary_metric, "top1_agreement");
  const Metrics fast = h.evaluate_fast(kQuantized);
  const Expected e = by_hand(3);
  EXPECT_EQ(fast.at("samples"), 3.0);
  EXPECT_NEAR(fast.at("snr"), e.snr, 1e-9);
  EXPECT_NEAR(fast.at("cosine"), e.cosine, 1e-12);
  EXPECT_DOUBLE_EQ(fast.at("top1_agreement"), 100.0 * 2 / 3);
  EXPECT_NEAR(h.evaluate(kQuantized).at("snr"), by_hand(kSamples).snr, 1e-9);
}

TEST_F(GenericOnnxContract, LabelOutOfRangeIsNamed) {
  write_npy(dir_ / "data/labels.npy", Tensor::from(Shape{kSamples}, std::vector<std::int64_t>{0, 1, 2, 9, 0, 2}));
  ContractHost h(kLibrary, config(kTop1));
  const std::string error = error_message([&] { h.evaluate(kFloat); });
  expect_contains(error, "sample 3 has label 9, but the model outputs 4 classes");
}

}  // namespace
}  // namespace qtune
