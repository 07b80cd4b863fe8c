// The Fashion-MNIST contracts, loaded through ContractHost: QUANT_CONFIG, calibration
// pixels against an independent decode of the idx files, and top-1/top-5 on fake models.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "error_message.h"
#include "fake_model.h"
#include "host/contract_host.h"

namespace qtune {
namespace {

namespace fs = std::filesystem;
using test::error_message;
using test::FakeModel;

const fs::path kContractDir = QTUNE_CONTRACT_DIR;
constexpr float kMean = 0.2860f;  // examples/fashion_mnist/train.py
constexpr float kStd = 0.3530f;

struct Variant {
  std::string library;
  std::string name;
  std::string model_file;
  std::int64_t pad;
};
void PrintTo(const Variant& v, std::ostream* os) { *os << v.name; }  // gtest prints the name
const Variant kCnn{"libfashion_mnist_cnn.so", "fashion_mnist_cnn", "fashion_cnn.onnx", 0};
const Variant kMobileNet{"libfashion_mnist_mobilenetv2.so", "fashion_mnist_mobilenetv2", "fashion_mobilenetv2.onnx", 2};

fs::path data_dir() {
  const char* env = std::getenv("FASHION_MNIST_DIR");
  return env && *env ? fs::path(env) : fs::path("/usr/share/datasets/fashion-mnist");
}

// Independent of the contract's reader: inflate the whole file, skip the fixed header.
std::vector<std::uint8_t> inflate(const fs::path& path, std::size_t header) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path.string());
  std::vector<std::uint8_t> data;
  std::uint8_t buffer[1 << 16];
  int n;
  while ((n = gzread(f, buffer, sizeof buffer)) > 0) data.insert(data.end(), buffer, buffer + n);
  gzclose(f);
  data.erase(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(header));
  return data;
}

struct Decoded {
  std::vector<std::uint8_t> images;  // n * 784
  std::vector<std::uint8_t> labels;
};

const Decoded& test_set() {
  static const Decoded d{inflate(data_dir() / "t10k-images-idx3-ubyte.gz", 16),
                         inflate(data_dir() / "t10k-labels-idx1-ubyte.gz", 8)};
  return d;
}

// The documented preprocessing, by hand: pad the raw image with black, then normalise.
float expected_pixel(const std::uint8_t* image, std::int64_t pad, std::int64_t y, std::int64_t x) {
  const std::int64_t sy = y - pad, sx = x - pad;
  const std::uint8_t raw = (sy >= 0 && sy < 28 && sx >= 0 && sx < 28) ? image[sy * 28 + sx] : 0;
  return (static_cast<float>(raw) / 255.0f - kMean) / kStd;
}

double percent_where(const std::vector<std::uint8_t>& labels, std::size_t count, bool (*pred)(std::uint8_t)) {
  std::size_t hits = 0;
  for (std::size_t i = 0; i < count; ++i) hits += pred(labels[i]);
  return 100.0 * static_cast<double>(hits) / static_cast<double>(count);
}

Tensor constant_logits(const Tensor& input) { return Tensor(Shape{input.dim(0), 10}); }

class FashionMnistContract : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override {
    if (!fs::exists(kContractDir / GetParam().model_file))
      GTEST_SKIP() << (kContractDir / GetParam().model_file) << " missing: run examples/fashion_mnist/train.py and rebuild";
  }
  void require_dataset() {
    if (!fs::exists(data_dir() / "t10k-images-idx3-ubyte.gz"))
      GTEST_SKIP() << "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)";
  }
  std::int64_t side() const { return 28 + 2 * GetParam().pad; }
  ContractHost host() const { return ContractHost(kContractDir / GetParam().library); }
  FakeModel model(FakeModel::Fn fn) const { return FakeModel({1, 1, side(), side()}, true, std::move(fn)); }
};

// Restores an environment variable when the test ends.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { old_ ? setenv(name_, old_->c_str(), 1) : unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST_P(FashionMnistContract, QuantConfigIsValidAndNeedsNoConfigFile) {
  const ContractHost h = host();
  EXPECT_EQ(h.name(), GetParam().name);
  const ContractConfig& c = h.config();
  EXPECT_EQ(c.model, kContractDir / GetParam().model_file);  // relative to the library's folder
  ASSERT_EQ(c.input_shapes.size(), 1u);
  EXPECT_EQ(c.input_shapes[0], (Shape{1, 1, side(), side()}));
  EXPECT_EQ(c.batch_size, 32);
  EXPECT_EQ(c.calib_steps, 32);
  EXPECT_EQ(c.target, "esp32p4");
  EXPECT_EQ(c.num_of_bits, 8);
  EXPECT_EQ(c.primary_metric, "top1");
  EXPECT_EQ(c.metric_direction, "max");
  EXPECT_EQ(c.analyse_steps, 8);
  EXPECT_EQ(c.top_k_layers, 20);
  EXPECT_EQ(c.non_computing_top_k, 10);
  EXPECT_DOUBLE_EQ(c.graphwise_intervening_excess_threshold, 0.02);
  EXPECT_EQ(c.deploy_runtime_priority, "balanced");
  ASSERT_TRUE(c.target_metric.has_value());  // a little under the float top-1 (~89%)
  EXPECT_GT(*c.target_metric, 85.0);
  EXPECT_LT(*c.target_metric, 90.0);
}

TEST_P(FashionMnistContract, CalibrationIsTheFirstTrainingImagesPreprocessed) {
  require_dataset();
  ContractHost h = host();
  const std::vector<Batch> batches = h.calibration_batches(32);
  ASSERT_EQ(batches.size(), 32u);
  for (const Batch& b : batches) {
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].shape(), (Shape{32, 1, side(), side()}));
  }
  const std::vector<std::uint8_t> train = inflate(data_dir() / "train-images-idx3-ubyte.gz", 16);
  // First image of the first batch and last image of the last batch: file order, no shuffle.
  const std::pair<const Tensor*, std::int64_t> checks[] = {{&batches.front()[0], 0}, {&batches.back()[0], 31}};
  const std::int64_t image_index[] = {0, 32 * 32 - 1};
  for (int k = 0; k < 2; ++k) {
    const float* got = checks[k].first->data<float>() + checks[k].second * side() * side();
    const std::uint8_t* image = train.data() + image_index[k] * 784;
    for (std::int64_t y = 0; y < side(); ++y)
      for (std::int64_t x = 0; x < side(); ++x)
        ASSERT_FLOAT_EQ(got[y * side() + x], expected_pixel(image, GetParam().pad, y, x))
            << "image " << image_index[k] << " at (" << y << ", " << x << ")";
  }
}

TEST_P(FashionMnistContract, ConstantLogitsScoreTheClassPriors) {
  require_dataset();
  ContractHost h = host();
  // All logits equal: top-1 is class 0 for every image, top-5 classes 0..4 (ties go to
  // the lower index), so the scores are the share of those labels in the test set.
  const Metrics m = h.evaluate(model(constant_logits));
  const auto& labels = test_set().labels;
  EXPECT_EQ(m.at("samples"), 10000.0);
  EXPECT_DOUBLE_EQ(m.at("top1"), percent_where(labels, 10000, [](std::uint8_t l) { return l == 0; }));
  EXPECT_DOUBLE_EQ(m.at("top5"), percent_where(labels, 10000, [](std::uint8_t l) { return l < 5; }));
  EXPECT_DOUBLE_EQ(m.at("top1"), 10.0);  // Fashion-MNIST's test set is balanced

  const Metrics fast = h.evaluate_fast(model(constant_logits));
  EXPECT_EQ(fast.at("samples"), 1000.0);
  EXPECT_DOUBLE_EQ(fast.at("top1"), percent_where(labels, 1000, [](std::uint8_t l) { return l == 0; }));
}

TEST_P(FashionMnistContract, OracleModelScoresWhatTheTestPredicts) {
  require_dataset();
  // The fake model recovers each raw image from its input and predicts the label the test
  // set gives that image (a duplicate image with two labels keeps the last one).
  const Decoded& d = test_set();
  const auto key = [](const std::uint8_t* image) { return std::string(reinterpret_cast<const char*>(image), 784); };
  std::unordered_map<std::string, std::uint8_t> label_of;
  for (std::size_t i = 0; i < d.labels.size(); ++i) label_of[key(d.images.data() + i * 784)] = d.labels[i];
  std::size_t expected_hits = 0;
  for (std::size_t i = 0; i < d.labels.size(); ++i)
    expected_hits += label_of[key(d.images.data() + i * 784)] == d.labels[i];

  const std::int64_t s = side(), pad = GetParam().pad;
  auto oracle = [&](const Tensor& input) {
    Tensor logits(Shape{input.dim(0), 10});
    for (std::int64_t n = 0; n < input.dim(0); ++n) {
      std::uint8_t raw[784];
      for (std::int64_t y = 0; y < 28; ++y)
        for (std::int64_t x = 0; x < 28; ++x) {
          const float v = input.data<float>()[n * s * s + (y + pad) * s + (x + pad)];
          raw[y * 28 + x] = static_cast<std::uint8_t>(std::lround((v * kStd + kMean) * 255.0f));
        }
      const auto it = label_of.find(key(raw));
      if (it != label_of.end()) logits.data<float>()[n * 10 + it->second] = 1.0f;
    }
    return logits;
  };
  ContractHost h = host();
  const Metrics m = h.evaluate(model(oracle));
  EXPECT_DOUBLE_EQ(m.at("top1"), 100.0 * static_cast<double>(expected_hits) / 10000.0);
  EXPECT_GT(m.at("top1"), 99.0);
}

TEST_P(FashionMnistContract, RejectsNonFiniteLogits) {
  require_dataset();
  ContractHost h = host();
  auto nan_logits = [](const Tensor& input) {
    Tensor t(Shape{input.dim(0), 10});
    t.data<float>()[3] = NAN;
    return t;
  };
  const std::string error = error_message([&] { h.evaluate_fast(model(nan_logits)); });
  EXPECT_NE(error.find("non-finite"), std::string::npos) << error;
}

TEST_P(FashionMnistContract, RejectsAModelOfAnotherInputSize) {
  ContractHost h = host();
  const FakeModel wrong({1, 1, side() + 4, side() + 4}, true, constant_logits);
  const std::string error = error_message([&] { h.evaluate(wrong); });
  EXPECT_NE(error.find("[N, 1, " + std::to_string(side()) + ", " + std::to_string(side()) + "]"), std::string::npos)
      << error;
}

TEST_P(FashionMnistContract, MissingDatasetSaysHowToInstallIt) {
  const fs::path missing = fs::temp_directory_path() / "qtune_no_fashion_mnist_here";
  ScopedEnv env("FASHION_MNIST_DIR", missing.string());
  ContractHost h = host();
  const std::string error = error_message([&] { h.calibration_batches(1); });
  EXPECT_NE(error.find((missing / "train-images-idx3-ubyte.gz").string()), std::string::npos) << error;
  EXPECT_NE(error.find("apt-get install dataset-fashion-mnist"), std::string::npos) << error;
}

TEST_P(FashionMnistContract, BadIdxMagicNamesTheFile) {
  const fs::path dir = fs::temp_directory_path() / ("qtune_bad_fashion_mnist_" + GetParam().name);  // per test: ctest -j
  fs::create_directories(dir);
  // A labels file where an images file belongs: magic 2049, not 2051.
  for (const char* name : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"}) {
    gzFile f = gzopen((dir / name).c_str(), "wb");
    const unsigned char header[16] = {0, 0, 8, 1, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28};
    gzwrite(f, header, sizeof header);
    gzclose(f);
  }
  ScopedEnv env("FASHION_MNIST_DIR", dir.string());
  ContractHost h = host();
  const std::string error = error_message([&] { h.calibration_batches(1); });
  EXPECT_NE(error.find((dir / "train-images-idx3-ubyte.gz").string()), std::string::npos) << error;
  EXPECT_NE(error.find("bad IDX magic 2049, expected 2051"), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(Models, FashionMnistContract, ::testing::Values(kCnn, kMobileNet),
                         [](const auto& info) { return info.param.pad == 0 ? "Cnn" : "MobileNetV2"; });

}  // namespace
}  // namespace qtune
