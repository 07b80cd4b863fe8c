#pragma once
// A hand-made outputs/ for the strategy tests: iteration folders written the way the
// harness writes them, read back with the SDK's load_history (what every plugin sees).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "qtune/history.h"

namespace qtune::testing {

// Settings the tests stack up (JSON object bodies without braces where noted).
inline const std::string kTqtDefault =
    R"("tqt_optimization": {"enabled": true, "lr": 1e-05, "steps": 500, "block_size": 4})";
inline const std::string kTqt3a1 =
    R"("tqt_optimization": {"enabled": true, "lr": 1e-05, "steps": 1000, "block_size": 4})";
inline const std::string kTqt3a2 =
    R"("tqt_optimization": {"enabled": true, "lr": 5e-05, "steps": 2000, "block_size": 4})";

inline std::string leg(const std::string& calib) {
  return fmt::format(R"({{"calib_algorithm": "{}", {}}})", calib, kTqtDefault);
}

class OutputsBuilder {
 public:
  OutputsBuilder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "qtune-strategy-test-XXXXXX").string();
    root_ = mkdtemp(pattern.data());
    outputs_ = root_ / "outputs";
    std::filesystem::create_directories(outputs_);
  }
  ~OutputsBuilder() { std::filesystem::remove_all(root_); }
  OutputsBuilder(const OutputsBuilder&) = delete;
  OutputsBuilder& operator=(const OutputsBuilder&) = delete;

  // `value`: JSON text of primary_value ("70.5", "NaN", "null"); `setting`: a JSON
  // object; `index_extra`: keys merged into iteration_index.json.
  OutputsBuilder& iter(int id, const std::string& value, const std::string& setting,
                       const std::string& index_extra = "{}") {
    const auto dir = outputs_ / fmt::format("iter_{}", id);
    std::filesystem::create_directories(dir);
    rapidjson::Document index;
    index.Parse<rapidjson::kParseNanAndInfFlag>(
        fmt::format(R"({{"iteration_id": {}, "primary_metric": "top1", "primary_value": {}, "metric_direction": "max",
                       "target_metric": null, "deploy_runtime_priority": "balanced", "top_5_error_layers": []}})",
                    id, value)
            .c_str());
    rapidjson::Document extra;
    extra.Parse<rapidjson::kParseNanAndInfFlag>(index_extra.c_str());
    for (auto& m : extra.GetObject()) {
      auto it = index.FindMember(m.name);
      rapidjson::Value copy(m.value, index.GetAllocator());
      if (it != index.MemberEnd()) it->value = copy;
      else index.AddMember(rapidjson::Value(m.name, index.GetAllocator()), copy, index.GetAllocator());
    }
    write(dir / "iteration_index.json", dump(index));
    write(dir / "setting.json", setting);
    write(dir / "metrics.json",
          fmt::format(R"({{"_used": "evaluate_fast", "_primary_key": "top1", "_primary_value": {}}})", value));
    return *this;
  }
  OutputsBuilder& artifact(int id, const std::string& name, const std::string& text) {
    write(outputs_ / fmt::format("iter_{}", id) / name, text);
    return *this;
  }
  History load() const { return load_history(outputs_); }
  const std::filesystem::path& outputs() const { return outputs_; }

 private:
  static std::string dump(const rapidjson::Value& v) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::CrtAllocator,
                      rapidjson::kWriteNanAndInfFlag>
        w(b);
    v.Accept(w);
    return b.GetString();
  }
  static void write(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
  }
  std::filesystem::path root_, outputs_;
};

// The three Phase-2 legs after a kl baseline: kl 70.5, mse 70.3, percentile 70.8.
inline void phase2_done(OutputsBuilder& b) {
  b.iter(0, "70.0", R"({"calib_algorithm": "kl"})")
      .iter(1, "70.5", leg("kl"))
      .iter(2, "70.3", leg("mse"))
      .iter(3, "70.8", leg("percentile"));
}

inline rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseNanAndInfFlag>(text.c_str());
  return d;
}

}  // namespace qtune::testing
