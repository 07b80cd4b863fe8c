// kind main: `qtune compare --output-dir D --strategy agent-hint <args>` run as a
// subprocess, once per runs[i], on the same outputs/; exit code, files, stdout,
// final_report.md and comparison.json are checked per run.
#include <sys/wait.h>

#include <array>
#include <cstdio>

#include <fmt/format.h>

#include "scenario_checks.h"

namespace qtune::scenarios {

namespace fs = std::filesystem;

namespace {

std::string shell_quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Completed {
  int rc = -1;
  std::string output;  // stdout and stderr together
};

Completed run_command(const std::vector<std::string>& argv) {
  std::string command;
  for (const auto& word : argv) command += shell_quote(word) + " ";
  command += "2>&1";
  Completed done;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return done;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) done.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  done.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return done;
}

// {"prefix": ["key", ...]} or ["dotted.path", ...] -> dotted paths.
std::vector<std::string> dotted_paths(const JsonValue& spec) {
  if (!spec.IsObject()) return string_list(&spec);
  std::vector<std::string> paths;
  for (const auto& m : spec.GetObject())
    for (const std::string& key : string_list(&m.value)) paths.push_back(std::string(m.name.GetString()) + "." + key);
  return paths;
}

Outcome check_run(const JsonValue& expect, const Completed& done, const fs::path& outputs, const JsonValue& scenario) {
  const std::string report = read_text(outputs / "final_report.md").value_or("");
  const bool has_report = fs::exists(outputs / "final_report.md");
  rapidjson::Document comparison;
  const std::string comparison_text = read_text(outputs / "comparison.json").value_or("");
  comparison.Parse<rapidjson::kParseNanAndInfFlag>(comparison_text.c_str(), comparison_text.size());
  if (comparison.HasParseError()) comparison.SetNull();

  for (const auto& e : expect.GetObject()) {
    const std::string key = e.name.GetString();
    Outcome failure;
    if (key == "rc") {
      if (done.rc != e.value.GetInt()) failure = fmt::format("rc: expected {}, got {}", e.value.GetInt(), done.rc);
    } else if (key == "exists" || key == "absent") {
      for (const std::string& path : string_list(&e.value))
        if (fs::exists(outputs / path) != (key == "exists") && !failure)
          failure = fmt::format("{} should {}", path, key == "exists" ? "exist" : "be absent");
    } else if (key == "stdout_contains" || key == "stdout_not_contains") {
      failure = check_contains("stdout", done.output, &e.value, key == "stdout_not_contains");
    } else if (key == "report_contains" || key == "report_not_contains") {
      if (!has_report && key == "report_contains") failure = "final_report.md was not written";
      else failure = check_contains("final_report.md", report, &e.value, key == "report_not_contains");
    } else if (key == "report_first_line_prefix") {
      if (report.rfind(e.value.GetString(), 0) != 0)
        failure = fmt::format("final_report.md does not start with \"{}\"", e.value.GetString());
    } else if (key == "report_equals_pre_existing") {
      const JsonValue* files = at_path(scenario, "pre_existing_files");
      const JsonValue* before = files != nullptr && files->IsObject() && files->HasMember("final_report.md")
                                    ? &(*files)["final_report.md"]
                                    : nullptr;
      const bool same = before != nullptr && before->IsString() && report == before->GetString();
      if (same != e.value.IsTrue()) failure = "final_report.md vs pre_existing_files: equality differs from expectation";
    } else if (key == "comparison") {
      failure = comparison.IsNull() ? Outcome("comparison.json missing or invalid")
                                    : match(e.value, &comparison, "comparison");
    } else if (key == "comparison_contains") {
      failure = check_contains("comparison.json", comparison_text, &e.value, false);
    } else if (key == "comparison_has_keys" || key == "comparison_lacks_keys") {
      for (const std::string& path : dotted_paths(e.value)) {
        const bool present = !comparison.IsNull() && at_path(comparison, path) != nullptr;
        if (present != (key == "comparison_has_keys") && !failure)
          failure = fmt::format("comparison.json {} {}", path, present ? "is present" : "is missing");
      }
    } else {
      failure = fmt::format("unknown expectation key '{}'", key);
    }
    if (failure) return failure;
  }
  return std::nullopt;
}

}  // namespace

Outcome run_main(const JsonValue& scenario, const fs::path& work, const RunnerConfig& config) {
  const fs::path outputs = materialise(scenario, work);
  const JsonValue& runs = scenario["runs"];
  const JsonValue& expected = scenario["expect"]["runs"];
  for (rapidjson::SizeType i = 0; i < runs.Size(); ++i) {
    std::vector<std::string> argv = {config.qtune_binary.string(), "compare", "--output-dir", outputs.string(),
                                     "--strategy", config.strategy};
    for (const std::string& word : string_list(at_path(runs[i], "args"))) argv.push_back(word);
    const Completed done = run_command(argv);
    if (i < expected.Size())
      if (auto failure = check_run(expected[i], done, outputs, scenario)) {
        std::string tail = done.output.size() > 300 ? done.output.substr(done.output.size() - 300) : done.output;
        for (char& c : tail)
          if (c == '\n') c = ' ';
        return fmt::format("run {}: {} [output: ...{}]", i, *failure, tail);
      }
  }
  return std::nullopt;
}

}  // namespace qtune::scenarios
