#include "framework/quant/parity_cases.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "artifacts/json.h"
#include "framework/integration/ort_fixtures.h"
#include "onnx/onnx_import.h"
#include "onnx/simplifier.h"
#include "qtune/npy.h"
#include "quant/conv_transpose_decomposition.h"

namespace qtune::test {
namespace {

const std::filesystem::path kParity = std::filesystem::path(QTUNE_SOURCE_DIR) / "tests/fixtures/parity";

std::string read_text(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// PP-OCRv4 det is not copied (4.7 MB): it is the pinned model from the model cache, with
// the input/output dims set exactly as shared/parity/ppocr_det/fix_det_dims.py sets them.
const IoDims kDetDims = {{"x", {-1, 3, 224, 320}}, {"sigmoid_0.tmp_0", {-1, 1, 224, 320}}};

}  // namespace

std::vector<ParityCase> parity_cases() {
  return {{"tiny", "tiny/tiny.onnx", "esp32p4", 4, {}},
          {"tiny", "tiny/tiny.onnx", "esp32s3", 4, {}},
          {"tiny_pc", "tiny_pc/tiny_pc.onnx", "esp32p4", 4, {}},
          {"tiny_pc", "tiny_pc/tiny_pc.onnx", "esp32s3", 4, {}},
          {"ppocr_cls", "ppocr_cls/cls_fixed.onnx", "esp32p4", 4, {}},
          {"ppocr_cls", "ppocr_cls/cls_fixed.onnx", "esp32s3", 4, {}},
          {"ppocr_det", "cache:ppocr/det.onnx", "esp32p4", 2, kDetDims}};
}

std::string parity_case_name(const testing::TestParamInfo<ParityCase>& info) {
  return info.param.name + "_" + info.param.target;
}

void PrintTo(const ParityCase& c, std::ostream* os) { *os << c.name << "/" << c.target; }

std::unique_ptr<ParityFixture> load_parity_fixture(const ParityCase& c) {
  const auto onnx = c.onnx.starts_with("cache:") ? resolve_model(c.onnx) : kParity / c.onnx;
  const auto json = kParity / c.name / c.target / "exponents.json";
  const auto npy = kParity / c.name / "calib.npy";
  if (!std::filesystem::exists(onnx) || !std::filesystem::exists(json) || !std::filesystem::exists(npy)) return nullptr;
  auto f = std::make_unique<ParityFixture>();
  f->graph = c.io_dims.empty() ? import_onnx(onnx) : import_onnx_bytes(onnx_with_io_dims(onnx, c.io_dims), onnx.string());
  simplify(f->graph);
  // esp-ppq's pre-quantization pipeline (reference §1.7 step 4): ConvTranspose decomposition, default on.
  TargetPolicy policy = TargetPolicy::from_target(c.target);
  decompose_conv_transposes(f->graph, policy);
  f->exponents = parse_json(read_text(json), json.string());
  const Tensor calib = read_npy(npy);
  const std::int64_t per = calib.numel() / calib.dim(0);
  for (std::int64_t s = 0; s + c.batch <= calib.dim(0); s += c.batch) {
    Shape shape = calib.shape();
    shape[0] = c.batch;
    Tensor t(shape);
    std::copy_n(calib.data<float>() + s * per, c.batch * per, t.data<float>());
    f->batches.push_back({t});
  }
  return f;
}

std::vector<double> parity_exponents(const rapidjson::Value& v) {
  std::vector<double> out;
  if (v.IsArray())
    for (const auto& e : v.GetArray()) out.push_back(e.IsNumber() ? e.GetDouble() : NAN);
  return out;
}

}  // namespace qtune::test
