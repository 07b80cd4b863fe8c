// The three analysers against esp-ppq's own outputs (tests/fixtures/parity/<case>/<target>/
// layerwise.json, graphwise.json, statistical.json) on the cases whose baseline exponents
// match esp-ppq's (tests/framework/run/pipeline_parity_test.cpp): same model, same 8
// batches. Every op's value within 2% relative or 1e-5 absolute; the top 10 ops of
// layerwise and graphwise in the same order; every statistical record present with its
// scalar statistics within the same tolerance and its histograms nearly identical.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "parity_pipeline.h"

namespace qtune {
namespace {

using test::ParityCase;
namespace fs = std::filesystem;

constexpr double kRelative = 0.02, kAbsolute = 1e-5;
constexpr std::size_t kTopRanks = 10;
const fs::path kParity = fs::path(QTUNE_SOURCE_DIR) / "tests/fixtures/parity";

bool close(double ours, double theirs) {
  if (std::isnan(theirs) || std::isnan(ours)) return std::isnan(theirs) == std::isnan(ours);
  return std::abs(ours - theirs) <= std::max(kRelative * std::abs(theirs), kAbsolute);
}

std::vector<std::string> ranking(const rapidjson::Value& object) {
  std::vector<std::pair<std::string, double>> v;
  for (const auto& m : object.GetObject()) v.emplace_back(m.name.GetString(), m.value.GetDouble());
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> names;
  for (const auto& [n, x] : v) names.push_back(n);
  return names;
}

// {op: ratio} against esp-ppq's: same ops, values close, same top-10 order.
void compare_ratios(const rapidjson::Value& ours, const rapidjson::Value& theirs, const std::string& what) {
  std::size_t compared = 0;
  for (const auto& m : theirs.GetObject()) {
    const auto it = ours.FindMember(m.name);
    if (it == ours.MemberEnd()) {
      ADD_FAILURE() << what << ": op '" << m.name.GetString() << "' missing from ours";
      continue;
    }
    ++compared;
    EXPECT_TRUE(close(it->value.GetDouble(), m.value.GetDouble()))
        << what << " '" << m.name.GetString() << "': ours " << it->value.GetDouble() << ", esp-ppq "
        << m.value.GetDouble();
  }
  EXPECT_EQ(ours.MemberCount(), theirs.MemberCount()) << what;
  const auto a = ranking(ours), b = ranking(theirs);
  const std::size_t k = std::min({kTopRanks, a.size(), b.size()});
  EXPECT_EQ(std::vector<std::string>(a.begin(), a.begin() + k), std::vector<std::string>(b.begin(), b.begin() + k))
      << what << ": top-" << k << " ranking differs";
  std::cout << fmt::format("[parity] {}: {} ops compared\n", what, compared);
}

// "<op>|in|<k>" / "<op>|out|<k>": the k-th input or output record of an op (both sides list
// an op's inputs, then its outputs, in slot order).
std::map<std::string, const rapidjson::Value*> records_by_key(const rapidjson::Value& list) {
  std::map<std::string, const rapidjson::Value*> out;
  std::map<std::string, int> seen;
  for (const auto& r : list.GetArray()) {
    const std::string base = fmt::format("{}|{}", r["Op name"].GetString(), r["Is output"].GetBool() ? "out" : "in");
    out[fmt::format("{}|{}", base, seen[base]++)] = &r;
  }
  return out;
}

// How many of the 1024 draws of esp-ppq's LCG (seed 10086) over n elements hit the most
// drawn element: the most samples of a batch one element of a parameter carries.
double heaviest_element_share(std::int64_t n) {
  std::map<std::uint64_t, int> hits;
  std::uint64_t s = 10086;
  for (int k = 0; k < 1024; ++k) {
    ++hits[s % static_cast<std::uint64_t>(n)];
    s = (0x343FD * s + 0x269EC3) % (std::uint64_t{1} << 32);
  }
  int most = 0;
  for (const auto& [i, h] : hits) most = std::max(most, h);
  return most / 1024.0;
}

// Largest distance between the two cumulative histograms, in samples (a value that moved to
// the neighbour bin counts once, wherever it went).
double cumulative_distance(const rapidjson::Value& a, const rapidjson::Value& b) {
  double ca = 0, cb = 0, worst = 0;
  for (rapidjson::SizeType i = 0; i < b.Size(); ++i) {
    ca += a[i].GetDouble();
    cb += b[i].GetDouble();
    worst = std::max(worst, std::abs(ca - cb));
  }
  return worst;
}

bool is_moment(const std::string& field) {
  return field.find("Skewness") != std::string::npos || field.find("Kurtosis") != std::string::npos;
}

// Whether the series a "<Float|Quantized|Noise> Skewness/Kurtosis" field describes is
// constant (its std is float32 rounding noise of its mean).
bool constant_series(const rapidjson::Value& record, const std::string& field) {
  const std::string series = field.substr(0, field.find(' '));
  const auto std_it = record.FindMember((series + " Std").c_str());
  const auto mean_it = record.FindMember((series + " Mean").c_str());
  if (std_it == record.MemberEnd() || mean_it == record.MemberEnd() || !std_it->value.IsNumber() ||
      !mean_it->value.IsNumber())
    return false;
  return std_it->value.GetDouble() <= 1e-6 * std::max(1e-30, std::abs(mean_it->value.GetDouble()));
}

void compare_statistical(const rapidjson::Value& ours, const rapidjson::Value& theirs, const Graph& graph,
                         const std::string& what) {
  const auto a = records_by_key(ours);
  const auto b = records_by_key(theirs);
  // Every record is compared, esp-ppq's ConvTranspose decomposition included: qtune
  // decomposes the same way (InsertZeros PPQ_Operation_k writing PPQ_Variable_k, then a Conv
  // holding the flipped weight), so those records carry the same names and values.
  std::size_t insert_zeros = 0;
  std::size_t values = 0, hists = 0, identical_hists = 0, renamed = 0, differ = 0, constant = 0;
  for (const auto& [key, t] : b) {
    const auto it = a.find(key);
    if (it == a.end()) {
      ADD_FAILURE() << what << ": record " << key << " missing from ours";
      continue;
    }
    const rapidjson::Value& o = *it->second;
    EXPECT_EQ(std::string(o["Op type"].GetString()), (*t)["Op type"].GetString()) << what << " " << key;
    insert_zeros += std::string((*t)["Op type"].GetString()) == "InsertZeros";
    for (const char* flag : {"Is parameter", "Is input", "Is output"})
      EXPECT_EQ(o[flag].GetBool(), (*t)[flag].GetBool()) << what << " " << key << " " << flag;
    const std::string op = (*t)["Op name"].GetString(), var = (*t)["Variable name"].GetString();
    if (var != o["Variable name"].GetString()) {
      // esp-ppq's BatchNormalization fusion stores the folded weight as a new parameter
      // "<op>_weight"; qtune folds into the ONNX initializer and keeps its name (parity.md).
      ++renamed;
      EXPECT_TRUE(var == op + "_weight" && (*t)["Is parameter"].GetBool())
          << what << " " << key << ": variable '" << o["Variable name"].GetString() << "', esp-ppq '" << var << "'";
    }
    const Variable* v = graph.find_variable(o["Variable name"].GetString());
    const bool parameter = v && v->is_parameter && v->value;
    const double total_per_batch = 1024;
    for (const auto& m : t->GetObject()) {
      const std::string field = m.name.GetString();
      if (m.value.IsNumber() && is_moment(field) && constant_series(*t, field)) {
        // A constant tensor: esp-ppq's float32 mean misses the value by an ulp, leaving a
        // rounding-noise std (~1e-8 relative) and thus skewness ±1, kurtosis -2; the true
        // moments are undefined (0/0), which qtune reports as NaN.
        ++constant;
        EXPECT_TRUE(std::isnan(o[m.name].GetDouble())) << what << " " << key << " '" << field << "' on a constant series";
      } else if (m.value.IsNumber()) {
        ++values;
        const double mine = o[m.name].GetDouble(), ref = m.value.GetDouble();
        if (!close(mine, ref) && differ++ < 40)
          ADD_FAILURE() << what << " " << key << " '" << field << "': ours " << mine << ", esp-ppq " << ref;
      } else if (m.value.IsString() && std::string(m.value.GetString()) == "nan") {
        // The fixture stores NaN as the string "nan": a constant series' skewness/kurtosis (0/0).
        ++values;
        const rapidjson::Value& mine = o[m.name];
        if (!(mine.IsNumber() && std::isnan(mine.GetDouble())) && differ++ < 40)
          ADD_FAILURE() << what << " " << key << " '" << field << "': esp-ppq NaN, ours not";
      } else if (m.value.IsArray()) {
        // Same counts, except that values within float rounding of a bin edge may sit in the
        // neighbour bin: the cumulative counts stay within 1% of the samples, or, for a
        // parameter, within what its most-sampled element carries (its float value can be an
        // ulp off esp-ppq's: batch-norm folding in double here, in float32 there).
        ++hists;
        const double dist = cumulative_distance(o[m.name], m.value);
        double total = 0;
        for (const auto& h : m.value.GetArray()) total += h.GetDouble();
        const double batches = total / total_per_batch;
        double allowed = 0.01 * total;
        if (parameter) allowed = std::max(allowed, heaviest_element_share(v->value->numel()) * total_per_batch * batches);
        identical_hists += dist == 0;
        if (dist > allowed && differ++ < 40)
          ADD_FAILURE() << what << " " << key << " '" << field << "': cumulative counts " << dist << " of " << total
                        << " apart (allowed " << allowed << ")";
      }
    }
  }
  if (differ >= 40) ADD_FAILURE() << what << ": " << differ << " values differ in all (first 40 listed)";
  EXPECT_EQ(a.size(), b.size()) << what << ": record count";
  std::cout << fmt::format("[parity] {}: {} records ({} weights named differently, {} of InsertZeros ops), {} values, "
                           "{} moments of constant series, {} histograms ({} identical)\n",
                           what, b.size(), renamed, insert_zeros, values, constant, hists, identical_hists);
}

class AnalyserParity : public testing::TestWithParam<ParityCase> {};

TEST_P(AnalyserParity, MatchesEspPpqsOwnAnalysers) {
  const ParityCase& c = GetParam();
  const auto p = test::build_parity_pipeline(c);
  ASSERT_TRUE(p) << "parity fixture missing";
  test::AnalysisRun run;
  run.dir = test::fresh_dir("qtune_analyser_parity_" + c.name + "_" + c.target);
  test::run_into(run, p->graph, p->float_graph, p->batches);
  for (const auto& w : run.log.warnings) ADD_FAILURE() << w;
  const fs::path ref = kParity / c.name / c.target;
  const std::string name = c.name + "/" + c.target;
  compare_ratios(test::read_artifact(run.dir, "layerwise_error.json"), test::read_artifact(ref, "layerwise.json"),
                 name + " layerwise");
  compare_ratios(test::read_artifact(run.dir, "graphwise_error.json"), test::read_artifact(ref, "graphwise.json"),
                 name + " graphwise");
  compare_statistical(test::read_artifact(run.dir, "layer_stats_full.json"),
                      test::read_artifact(ref, "statistical.json"), p->graph, name + " statistical");
  fs::remove_all(run.dir);
}

// PP-OCRv4 det joins when its baseline exponents match esp-ppq's (pipeline_parity_test.cpp).
std::vector<ParityCase> analyser_cases() {
  std::vector<ParityCase> out;
  for (const ParityCase& c : test::parity_cases())
    out.push_back(c);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, AnalyserParity, testing::ValuesIn(analyser_cases()), test::parity_case_name);

}  // namespace
}  // namespace qtune
