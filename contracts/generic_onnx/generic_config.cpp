#include "generic_config.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "qtune/error.h"

namespace qtune::generic_onnx {

namespace {

namespace fs = std::filesystem;
using Value = rapidjson::Value;

// evaluate_fast's sample count when "fast_samples" is absent: enough for a stable
// ranking of candidate settings, a small fraction of a typical evaluation set.
constexpr std::int64_t kDefaultFastSamples = 256;
constexpr EvalMetric kMetrics[] = {EvalMetric::Top1, EvalMetric::Snr, EvalMetric::Cosine, EvalMetric::Top1Agreement};

// Reads one config file; every message names the file and the key path ("evaluation.inputs").
class Reader {
 public:
  explicit Reader(fs::path file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(fmt::format("{}: {}", file_.string(), what));
  }

  void check_keys(const Value& object, const std::string& where, const std::set<std::string>& allowed) const {
    std::set<std::string> seen;
    for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
      const std::string key = it->name.GetString();
      const std::string path = where.empty() ? key : where + "." + key;
      if (!allowed.count(key))
        fail(fmt::format("unknown key \"{}\" (expected one of: {})", path, fmt::join(allowed, ", ")));
      // RapidJSON keeps duplicates and finds the first; the user likely meant the last.
      if (!seen.insert(key).second) fail(fmt::format("key \"{}\" appears more than once", path));
    }
  }

  const Value& require(const Value& object, const char* key, const std::string& path) const {
    auto it = object.FindMember(key);
    if (it == object.MemberEnd()) fail(fmt::format("missing required key \"{}\"", path));
    return it->value;
  }

  const Value* find(const Value& object, const char* key) const {
    auto it = object.FindMember(key);
    return it == object.MemberEnd() ? nullptr : &it->value;
  }

  std::string string_of(const Value& v, const std::string& path) const {
    if (!v.IsString()) fail(fmt::format("\"{}\" must be a string", path));
    return v.GetString();
  }

  std::int64_t positive_int(const Value& v, const std::string& path) const {
    if (!v.IsInt64() || v.GetInt64() <= 0) fail(fmt::format("\"{}\" must be a positive integer", path));
    return v.GetInt64();
  }

  fs::path existing_file(const Value& v, const std::string& path) const {
    fs::path p = string_of(v, path);
    if (p.is_relative()) p = file_.parent_path() / p;
    p = p.lexically_normal();
    if (!fs::is_regular_file(p)) fail(fmt::format("\"{}\": file not found: {}", path, p.string()));
    return p;
  }

  // A string (one graph input) or a non-empty list of strings (one per graph input).
  std::vector<fs::path> file_list(const Value& v, const std::string& path) const {
    if (v.IsString()) return {existing_file(v, path)};
    if (!v.IsArray() || v.Empty())
      fail(fmt::format("\"{}\" must be a .npy path or a non-empty list of .npy paths (one per graph input)", path));
    std::vector<fs::path> files;
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i)
      files.push_back(existing_file(v[i], fmt::format("{}[{}]", path, i)));
    return files;
  }

  // [1, 3, 224, 224] for one input, or [[1, 3, 224, 224], [1, 10]] for several.
  std::vector<Shape> shapes(const Value& v, const std::string& path) const {
    const auto bad = [&] { fail(fmt::format("\"{}\" must be a list of positive integers, or a list of such lists "
                                            "(one per graph input)", path)); };
    if (!v.IsArray() || v.Empty()) bad();
    const auto shape_of = [&](const Value& dims) {
      if (!dims.IsArray() || dims.Empty()) bad();
      Shape s;
      for (const auto& d : dims.GetArray()) {
        if (!d.IsInt64() || d.GetInt64() <= 0) bad();
        s.push_back(d.GetInt64());
      }
      return s;
    };
    if (v[0].IsArray()) {
      std::vector<Shape> out;
      for (const auto& dims : v.GetArray()) out.push_back(shape_of(dims));
      return out;
    }
    return {shape_of(v)};
  }

  EvalMetric metric(const Value& v, const std::string& path) const {
    const std::string name = string_of(v, path);
    for (EvalMetric m : kMetrics)
      if (name == metric_name(m)) return m;
    fail(fmt::format("\"{}\" is \"{}\", expected one of: top1, snr, cosine, top1_agreement", path, name));
  }

 private:
  fs::path file_;
};

rapidjson::Document parse_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw InputError(fmt::format("{}: cannot open the generic_onnx contract config (--contract-config)", file.string()));
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError())
    throw InputError(fmt::format("{}: invalid JSON at offset {}: {}", file.string(), doc.GetErrorOffset(),
                                 rapidjson::GetParseError_En(doc.GetParseError())));
  if (!doc.IsObject()) throw InputError(fmt::format("{}: the top level must be a JSON object", file.string()));
  return doc;
}

EvaluationConfig read_evaluation(const Reader& r, const Value& v) {
  if (!v.IsObject()) r.fail("\"evaluation\" must be an object");
  r.check_keys(v, "evaluation", {"inputs", "labels", "metric", "fast_samples", "reference_outputs"});
  EvaluationConfig e;
  e.inputs = r.file_list(r.require(v, "inputs", "evaluation.inputs"), "evaluation.inputs");
  e.metric = r.metric(r.require(v, "metric", "evaluation.metric"), "evaluation.metric");
  if (const Value* labels = r.find(v, "labels")) e.labels = r.existing_file(*labels, "evaluation.labels");
  if (const Value* ref = r.find(v, "reference_outputs"))
    e.reference_outputs = r.existing_file(*ref, "evaluation.reference_outputs");
  if (const Value* fast = r.find(v, "fast_samples")) e.fast_samples = r.positive_int(*fast, "evaluation.fast_samples");
  else e.fast_samples = kDefaultFastSamples;
  if (e.metric == EvalMetric::Top1 && !e.labels)
    r.fail("\"evaluation.metric\" is \"top1\", which needs \"evaluation.labels\" (a .npy of class ids)");
  return e;
}

}  // namespace

const char* metric_name(EvalMetric metric) {
  switch (metric) {
    case EvalMetric::Top1: return "top1";
    case EvalMetric::Snr: return "snr";
    case EvalMetric::Cosine: return "cosine";
    case EvalMetric::Top1Agreement: return "top1_agreement";
  }
  return "?";
}

GenericConfig read_generic_config(const fs::path& path) {
  GenericConfig config;
  config.file = fs::absolute(path).lexically_normal();
  const Reader r(config.file);
  rapidjson::Document doc = parse_file(config.file);
  r.check_keys(doc, "", {"quant_config", "calibration", "evaluation"});

  r.require(doc, "quant_config", "quant_config");
  Value& qc = doc["quant_config"];
  if (!qc.IsObject()) r.fail("\"quant_config\" must be an object (the QUANT_CONFIG)");
  // qtune validates QUANT_CONFIG itself; read here only what this contract relies on.
  const Value& model = r.require(qc, "model", "quant_config.model");
  if (!model.IsString()) r.fail("\"quant_config.model\" must be a string (the ONNX file)");
  if (const Value* shape = r.find(qc, "input_shape")) config.input_shapes = r.shapes(*shape, "quant_config.input_shape");
  if (const Value* batch = r.find(qc, "batch_size")) config.batch_size = r.positive_int(*batch, "quant_config.batch_size");

  config.calibration = r.file_list(r.require(doc, "calibration", "calibration"), "calibration");
  if (!config.input_shapes.empty() && config.calibration.size() != config.input_shapes.size())
    r.fail(fmt::format("\"calibration\" lists {} file(s) but \"quant_config.input_shape\" has {} input(s)",
                       config.calibration.size(), config.input_shapes.size()));

  if (const Value* eval = r.find(doc, "evaluation")) {
    config.evaluation = read_evaluation(r, *eval);
    if (config.evaluation->inputs.size() != config.calibration.size())
      r.fail(fmt::format("\"evaluation.inputs\" lists {} file(s) but \"calibration\" lists {} (one per graph input)",
                         config.evaluation->inputs.size(), config.calibration.size()));
    // The evaluation metric is the primary metric; all four are higher-is-better.
    const std::string metric = metric_name(config.evaluation->metric);
    auto& alloc = doc.GetAllocator();
    if (const Value* primary = r.find(qc, "primary_metric")) {
      if (r.string_of(*primary, "quant_config.primary_metric") != metric)
        r.fail(fmt::format("\"quant_config.primary_metric\" is \"{}\" but \"evaluation.metric\" is \"{}\"; they must "
                           "agree (or leave primary_metric out)", primary->GetString(), metric));
    } else {
      qc.AddMember("primary_metric", Value(metric.c_str(), alloc), alloc);
    }
    if (const Value* direction = r.find(qc, "metric_direction")) {
      if (r.string_of(*direction, "quant_config.metric_direction") != "max")
        r.fail(fmt::format("\"quant_config.metric_direction\" is \"{}\" but \"{}\" is higher-is-better: use \"max\"",
                           direction->GetString(), metric));
    } else {
      qc.AddMember("metric_direction", "max", alloc);
    }
  }

  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  qc.Accept(writer);
  config.quant_config_json = buffer.GetString();
  return config;
}

}  // namespace qtune::generic_onnx
