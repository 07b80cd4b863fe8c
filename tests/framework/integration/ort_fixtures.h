#pragma once
// ONNX Runtime reference fixtures (tests/fixtures/ort/<case>/, made by
// tests/fixtures/make_ort_fixtures.sh with onnxruntime-node 1.30.0, optimisations off,
// one thread) and the comparison every parity test uses:
// max|ours - ort| <= 1e-4 * max(1, max|ort|) per output.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <rapidjson/document.h>

#include "qtune/tensor.h"

namespace qtune::test {

namespace fs = std::filesystem;
inline constexpr double kRelTolerance = 1e-4;

inline fs::path fixture_dir(const std::string& name) { return fs::path(QTUNE_SOURCE_DIR) / "tests/fixtures/ort" / name; }

inline fs::path model_cache() {
  if (const char* env = std::getenv("QTUNE_MODEL_CACHE"); env && *env) return env;
  return fs::path(QTUNE_SOURCE_DIR) / ".cache/models";
}

// "repo:path" is relative to the source tree, "cache:path" to the pinned model cache.
inline fs::path resolve_model(const std::string& ref) {
  if (ref.rfind("repo:", 0) == 0) return fs::path(QTUNE_SOURCE_DIR) / ref.substr(5);
  if (ref.rfind("cache:", 0) == 0) return model_cache() / ref.substr(6);
  return ref;
}

inline rapidjson::Document read_case(const fs::path& dir) {
  std::ifstream in(dir / "case.json");
  std::stringstream ss;
  ss << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse(ss.str().c_str());
  EXPECT_FALSE(doc.HasParseError()) << dir / "case.json";
  return doc;
}

inline void expect_close(const Tensor& ours, const Tensor& ref, const std::string& what) {
  ASSERT_EQ(ours.shape(), ref.shape()) << what;
  const auto a = ours.to_float();
  const auto b = ref.to_float();
  double max_ref = 0, max_diff = 0;
  std::size_t worst = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    max_ref = std::max(max_ref, std::abs(double(b[i])));
    const double d = std::abs(double(a[i]) - double(b[i]));
    if (!(d <= max_diff)) {  // also catches NaN
      max_diff = d;
      worst = i;
    }
  }
  const double bound = kRelTolerance * std::max(1.0, max_ref);
  EXPECT_LE(max_diff, bound) << what << ": worst element " << worst << " ours " << a[worst] << " ort " << b[worst];
}

inline const std::vector<std::string> kOrtCases = {"fashion_cnn", "fashion_mobilenetv2", "ppocr_cls", "ppocr_det",
                                                  "ppocr_det_calib0"};

}  // namespace qtune::test
