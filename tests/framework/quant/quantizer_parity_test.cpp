// Config STRUCTURE and weight-exponent parity with esp-ppq (fixtures under
// /work/shared/parity, made by esp-ppq itself; see its README). Structure: every (op,
// socket) config esp-ppq reports is compared with ours: bits, channel axis, state class
// (applied here / overlapped / passive / float) and sharing (configs we share must carry
// equal exponents in esp-ppq). esp-ppq's fixtures are taken after QuantAlignmentPass,
// which is a later plugin: sockets esp-ppq made PASSIVE by alignment are counted apart.
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "framework/quant/parity_cases.h"
#include "host/plugin_host.h"
#include "quant/calibration_driver.h"
#include "quant/quant_params_json.h"
#include "quant/quantizer.h"

namespace qtune {
namespace {

using test::ParityCase;
std::vector<double> exps(const rapidjson::Value& v) { return test::parity_exponents(v); }
const char* const kMissing = "parity fixture missing under tests/fixtures/parity (or the model: run scripts/fetch_models.sh)";

class QuantizerParity : public testing::TestWithParam<ParityCase> {};

TEST_P(QuantizerParity, ConfigStructureMatchesEspPpq) {
  auto l = test::load_parity_fixture(GetParam());
  ASSERT_TRUE(l) << kMissing;
  Graph& g = l->graph;
  quantize_graph(g, TargetPolicy::from_target(GetParam().target));

  std::vector<std::string> mismatches;
  std::size_t rows = 0, matched = 0, alignment = 0, renamed = 0, insert_zeros = 0;
  std::map<const TensorQuantConfig*, std::vector<std::pair<std::string, std::vector<double>>>> groups;
  std::set<std::string> bad_vars;
  for (const auto& r : l->exponents["configs"].GetArray()) {
    ++rows;
    std::string op_name = r["op"].GetString(), var = r["var"].GetString(), role = r["role"].GetString();
    std::size_t idx = r["index"].GetUint();
    std::string state = r["state"].GetString();
    std::string where = fmt::format("{} {} {} '{}'", op_name, role, idx, var);
    auto fail = [&](const std::string& why) {
      mismatches.push_back(where + ": " + why);
      bad_vars.insert(var);
    };
    // esp-ppq's ConvTranspose decomposition is qtune's too (the fixture loader runs it):
    // its InsertZeros ops, their PPQ_Variable_k outputs and the Conv's flipped weight
    // (channel axis 0) are compared like every other socket.
    const Op* op = g.find_op(op_name);
    if (!op) { fail("op not in our graph"); continue; }
    if (op->type != r["op_type"].GetString()) { fail("op type " + op->type); continue; }
    insert_zeros += op->type == "InsertZeros";
    bool in = role == "input";
    if ((in ? op->inputs.size() : op->outputs.size()) <= idx) { fail("socket missing"); continue; }
    const Variable* v = in ? op->inputs[idx] : op->outputs[idx];
    if (!v) { fail("no variable"); continue; }
    if (v->name != var) {
      // esp-ppq's FUSE_BN writes the folded weight/bias as new parameters "<op>_weight" /
      // "<op>_bias"; our BN folding keeps the Conv's parameter names.
      if (v->is_parameter && (var == op_name + "_weight" || var == op_name + "_bias")) ++renamed;
      else { fail("variable name differs: " + v->name); continue; }
    }
    const QuantSlot& c = in ? input_config(*op, idx) : v->quant;
    if (!c) { fail("no config"); continue; }
    bool here = c->applied_at == (in ? input_socket_id(*op, idx) : v->name);
    // Sockets esp-ppq's alignment re-pointed (PASSIVE) leave their group later: not compared.
    if (state != "PASSIVE") groups[c.get()].emplace_back(where, exps(r["exponent"]));
    if (state == "FP32") {
      if (c->state != QuantState::Float) fail("esp-ppq FP32, ours quantized");
      else ++matched;
      continue;
    }
    bool ok = true;
    if (c->bits != r["num_of_bits"].GetInt()) { fail(fmt::format("bits {} vs esp-ppq {}", c->bits, r["num_of_bits"].GetInt())); ok = false; }
    int axis = r["channel_axis"].IsNull() ? -1 : r["channel_axis"].GetInt();
    if (c->channel_axis != axis) { fail(fmt::format("channel_axis {} vs {}", c->channel_axis, axis)); ok = false; }
    if (state == "ACTIVATED" && !(here && c->state == QuantState::Initial)) {
      fail(fmt::format("esp-ppq ACTIVATED here; ours state {} applied_at '{}'", quant_state_name(c->state), c->applied_at));
      ok = false;
    } else if (state == "OVERLAPPED" && here) {
      fail("esp-ppq OVERLAPPED; ours applied here");
      ok = false;
    } else if (state == "PASSIVE" && c->state != QuantState::PassiveInit) {
      ++alignment;  // made PASSIVE by QuantAlignmentPass (later plugin)
      continue;
    }
    if (ok) ++matched;
  }
  // Sharing: every socket holding one of our configs has the same esp-ppq exponent.
  std::size_t shared_groups = 0;
  for (const auto& [cfg, members] : groups) {
    if (members.size() > 1) ++shared_groups;
    for (const auto& [where, e] : members)
      if (e != members.front().second)
        mismatches.push_back(fmt::format("{} shares our config with {} but esp-ppq exponents differ", where,
                                         members.front().first));
  }
  std::size_t nvars = l->exponents["variables"].MemberCount();
  std::cout << fmt::format("[parity] {}/{}: {} configs, {} match, {} alignment-dependent (PASSIVE by alignment), "
                           "{} mismatches; variables {}/{} without mismatch; {} shared groups; {} parameters renamed by esp-ppq; "
                           "{} on InsertZeros ops\n",
                           GetParam().name, GetParam().target, rows, matched, alignment, mismatches.size(),
                           nvars - bad_vars.size(), nvars, shared_groups, renamed, insert_zeros);
  for (const auto& m : mismatches) ADD_FAILURE() << m;
  // Every variable esp-ppq reports has a config in ours.
  for (const auto& m : l->exponents["variables"].GetObject()) {
    std::string n = m.name.GetString();
    const Variable* v = g.find_variable(n);
    if (!v && (n.ends_with("_weight") || n.ends_with("_bias"))) continue;  // renamed by esp-ppq FUSE_BN
    EXPECT_TRUE(v && v->quant) << "variable " << n << " has no config in ours";
  }
  EXPECT_FALSE(quant_params_json(g).empty());
}

// ---- weight parity with a test-local observer (independent of the plugins) ---------------
// §2.1: s = 2 max(|min(mn,0)|, |max(mx,0)|) / (qmax - qmin), max(s, 1e-8), pow2-ceil.
double log2_scale(double mn, double mx, const TensorQuantConfig& c) {
  mn = std::min(mn, 0.0);
  mx = std::max(mx, 0.0);
  double s = 2.0 * std::max(std::abs(mn), std::abs(mx)) / static_cast<double>(c.quant_max - c.quant_min);
  s = std::max(s, 1e-8);
  return std::ceil(std::log2(s));
}

class TestObserver final : public Observer {
 public:
  TestObserver(std::string algorithm, TensorQuantConfig c) : algorithm_(std::move(algorithm)), c_(std::move(c)) {}
  void observe(const Tensor& t) override {
    auto v = t.to_double();
    if (c_.per_channel()) {  // §2.2 per channel
      std::int64_t ch = t.dim(c_.channel_axis), inner = 1, outer = 1;
      for (std::size_t d = static_cast<std::size_t>(c_.channel_axis) + 1; d < t.rank(); ++d) inner *= t.shape()[d];
      for (std::size_t d = 0; d < static_cast<std::size_t>(c_.channel_axis); ++d) outer *= t.shape()[d];
      lo_.assign(ch, INFINITY);
      hi_.assign(ch, -INFINITY);
      for (std::int64_t o = 0; o < outer; ++o)
        for (std::int64_t k = 0; k < ch; ++k)
          for (std::int64_t i = 0; i < inner; ++i) {
            double x = v[static_cast<std::size_t>((o * ch + k) * inner + i)];
            lo_[k] = std::min(lo_[k], x);
            hi_[k] = std::max(hi_[k], x);
          }
      return;
    }
    if (algorithm_ == "percentile") {  // §2.3 (one batch: the mean is the value)
      std::int64_t n = static_cast<std::int64_t>(v.size());
      const double p = 0.9999;
      std::int64_t kmin = std::max<std::int64_t>(0, static_cast<std::int64_t>(n * (1 - p))) + 1;
      std::int64_t kmax = std::min<std::int64_t>(static_cast<std::int64_t>(n * p), n - 1) + 1;
      std::sort(v.begin(), v.end());
      lo_ = {v[static_cast<std::size_t>(kmin - 1)]};
      hi_ = {v[static_cast<std::size_t>(kmax - 1)]};
      return;
    }
    lo_ = {*std::min_element(v.begin(), v.end())};
    hi_ = {*std::max_element(v.begin(), v.end())};
  }
  std::vector<double> render() override {
    std::vector<double> out;
    for (std::size_t k = 0; k < lo_.size(); ++k) out.push_back(log2_scale(lo_[k], hi_[k], c_));
    return out;
  }

 private:
  std::string algorithm_;
  TensorQuantConfig c_;
  std::vector<double> lo_, hi_;
};

TEST_P(QuantizerParity, WeightExponentsMatchEspPpq) {
  auto l = test::load_parity_fixture(GetParam());
  ASSERT_TRUE(l) << kMissing;
  Graph& g = l->graph;
  quantize_graph(g, TargetPolicy::from_target(GetParam().target));
  std::size_t n = calibrate_parameters(g, [](const std::string& a, const TensorQuantConfig& c) {
    return std::make_unique<TestObserver>(a, c);
  });
  std::size_t compared = 0, bad = 0;
  for (const auto& r : l->exponents["configs"].GetArray()) {
    if (!r["is_parameter"].GetBool() || std::string(r["state"].GetString()) != "ACTIVATED") continue;
    const Op* op = g.find_op(r["op"].GetString());
    ASSERT_TRUE(op) << r["op"].GetString();
    const QuantSlot& c = input_config(*op, r["index"].GetUint());
    ASSERT_TRUE(c) << r["var"].GetString();
    std::vector<double> ours(c->exponents.begin(), c->exponents.end());
    ++compared;
    if (ours != exps(r["exponent"])) {
      ++bad;
      ADD_FAILURE() << r["var"].GetString() << ": ours " << fmt::format("{}", fmt::join(ours, ","))
                    << " esp-ppq " << fmt::format("{}", fmt::join(exps(r["exponent"]), ","));
    }
  }
  std::cout << fmt::format("[parity] {}/{}: {} parameter configs calibrated, {} compared with esp-ppq, {} differ\n",
                           GetParam().name, GetParam().target, n, compared, bad);
  EXPECT_GT(compared, 0u);
}

const std::set<std::string> kAlignmentOpTypes = {"Add", "Sub", "Sum", "Concat", "ScatterND",
                                                  "AveragePool", "GlobalAveragePool", "Resize"};

// Activation exponents through the real calibration plugins (kl, minmax, percentile).
TEST_P(QuantizerParity, ActivationExponentsWithKlPluginMatchEspPpq) {
  auto l = test::load_parity_fixture(GetParam());
  ASSERT_TRUE(l) << kMissing;
  PluginHost host;
  host.load_directories(PluginHost::default_search_path());
  for (const char* name : {"kl", "minmax", "percentile"})
    ASSERT_TRUE(host.find("pass", name)) << "calibration plugin '" << name << "' not built";
  std::map<std::string, std::unique_ptr<CalibrationAlgorithm>> algos;
  std::map<std::string, OptionValues> opts;
  for (const char* name : {"kl", "minmax", "percentile"}) {
    opts[name] = resolve_options(host.option_schema(*host.find("pass", name)), {}, name);
    auto p = host.create("pass", name);
    auto* a = dynamic_cast<CalibrationAlgorithm*>(p.get());
    ASSERT_TRUE(a) << "plugin '" << name << "' is not a CalibrationAlgorithm";
    p.release();
    algos[name].reset(a);
  }
  Graph& g = l->graph;
  quantize_graph(g, TargetPolicy::from_target(GetParam().target));
  calibrate(g, l->batches, [&](const std::string& a, const TensorQuantConfig& c) {
    return algos.at(a)->make_observer(c, opts.at(a));
  }, {"kl", {}});
  // Values esp-ppq's QuantAlignmentPass re-pointed (PASSIVE inputs of Add/Concat/pool/
  // Resize ops) get their final exponent from the alignment plugin, not yet written.
  std::set<std::string> aligned;
  for (const auto& r : l->exponents["configs"].GetArray())
    if (std::string(r["state"].GetString()) == "PASSIVE" && std::string(r["role"].GetString()) == "input" &&
        kAlignmentOpTypes.count(r["op_type"].GetString()))
      aligned.insert(r["var"].GetString());
  std::size_t compared = 0, skipped = 0;
  std::vector<std::string> differ;
  for (const auto& m : l->exponents["variables"].GetObject()) {
    const Variable* v = g.find_variable(m.name.GetString());
    if (!v || !v->quant || !v->quant->is_active()) continue;
    if (aligned.count(m.name.GetString())) {
      ++skipped;
      continue;
    }
    std::vector<double> ours(v->quant->exponents.begin(), v->quant->exponents.end());
    ++compared;
    if (ours != exps(m.value["exponent"]))
      differ.push_back(fmt::format("{}: ours {} esp-ppq {}", m.name.GetString(), fmt::join(ours, ","),
                                   fmt::join(exps(m.value["exponent"]), ",")));
  }
  std::cout << fmt::format("[parity] {}/{}: {} variable exponents compared, {} differ, {} left to alignment\n",
                           GetParam().name, GetParam().target, compared, differ.size(), skipped);
  for (const auto& d : differ) ADD_FAILURE() << d;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, QuantizerParity, testing::ValuesIn(test::parity_cases()), test::parity_case_name);

}  // namespace
}  // namespace qtune
