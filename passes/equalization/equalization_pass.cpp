// Pass "equalization" (esp-ppq LayerwiseEqualizationPass, reference §3.1): for each pair
// of layers around a channel dimension (pair_discovery.h) scales channel c of the upstream
// layers' weights and biases by s_c and divides the downstream layers' input channel c by
// it, so the float function is unchanged while the per-channel weight ranges are pulled
// together (a per-tensor exponent then wastes fewer bits on small channels):
//
//   up_c   = max |upstream weight row c| (and |bias_c·bias_multiplier|, |act_c·act_multiplier|)
//   down_c = max |downstream weight input channel c|
//   s_c    = 1/sqrt(up_c/down_c), clamped to [0.1, 10]; 1 where up_c + down_c < value_threshold
//
// repeated `iterations` times over all pairs, keys recomputed from the current weights, in
// float32 as esp-ppq. PreQuantize stage, after weight_split (esp-ppq's pre-quant order).
//
// Kept from esp-ppq for parity: the activation maxima (including_act) are measured once on
// the float graph before the first iteration and not rescaled between iterations; they are
// measured for the interested layers only. Differences: s_c = 1 where both keys are 0
// (esp-ppq gets NaN with value_threshold 0); pairs whose scaling would change the float
// model are skipped with a warning (pair_discovery.h); names that select nothing warn.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "activation_ranges.h"
#include "channel_layout.h"
#include "pair_discovery.h"
#include "qtune/rewrite/layer_selection.h"
#include "qtune/sdk.h"

namespace {

using qtune::make_option;
using qtune::OptionType;
namespace eq = qtune::equalization;

// esp-ppq's calculate_scale clamps each step's scale to [1/10, 10] (scale_clip_value = 10).
constexpr float kScaleMin = 0.1f, kScaleMax = 10.0f;
// After weight_split (10) within PreQuantize.
constexpr int kOrderInStage = 20;

struct Options {
  std::int64_t iterations;
  float value_threshold;
  int opt_level;
  bool including_bias, including_act;
  float bias_multiplier, act_multiplier;
};

std::vector<std::string> quoted_names(const std::vector<qtune::Op*>& ops) {
  std::vector<std::string> n;
  for (const qtune::Op* op : ops) n.push_back("'" + op->name + "'");
  return n;
}

class EqualizationPass final : public qtune::Pass {
 public:
  static qtune::OptionSchema option_schema() {
    using T = OptionType;
    return {
        make_option("iterations", T::Int, std::int64_t{10}, "passes over all pairs (keys recomputed each time)", 1.0),
        make_option("value_threshold", T::Float, 0.5,
               "a channel whose upstream + downstream key is below this keeps scale 1 (esp-ppq: try 0, 0.5, 2)", 0.0),
        make_option("opt_level", T::Int, std::int64_t{1},
               "1: pairs across Relu/pooling/PRelu/LeakyRelu/Identity; 2: also across Add/Sub (residual blocks)",
               1.0, 2.0),
        make_option("including_bias", T::Bool, false, "include |bias·bias_multiplier| in the upstream key"),
        make_option("bias_multiplier", T::Float, 0.5, "weight of the bias in the upstream key", 0.0),
        make_option("including_act", T::Bool, false,
               "include |activation·act_multiplier| in the upstream key: per-channel max of the layer's float output "
               "over up to 18 calibration batches, measured once before the iterations"),
        make_option("act_multiplier", T::Float, 0.5, "weight of the activation in the upstream key", 0.0),
        make_option("interested_layers", T::StringList, std::vector<std::string>{},
               "layers to start pairs from (names from simplified_ops.json); empty = every Conv/Gemm/ConvTranspose"),
    };
  }

  qtune::PassStage stage() const override { return qtune::PassStage::PreQuantize; }
  int order_in_stage() const override { return kOrderInStage; }
  std::string setting_key() const override { return "equalization"; }

  qtune::PassResult run(qtune::PassContext& context, const qtune::OptionValues& values) override {
    const Options o{values.get_int("iterations"),
                    static_cast<float>(values.get_float("value_threshold")),
                    static_cast<int>(values.get_int("opt_level")),
                    values.get_bool("including_bias"),
                    values.get_bool("including_act"),
                    static_cast<float>(values.get_float("bias_multiplier")),
                    static_cast<float>(values.get_float("act_multiplier"))};
    const auto& names = values.get_strings("interested_layers");
    qtune::Graph& graph = context.graph();
    qtune::Log& log = context.log();
    qtune::PassResult result;

    std::vector<qtune::Op*> candidates;
    if (names.empty()) {
      for (qtune::Op* op : graph.ops())
        if (eq::equalizable_types().contains(op->type)) candidates.push_back(op);
      if (candidates.empty())
        log.warn("equalization: the graph has no Conv, ConvTranspose or Gemm; nothing to equalize");
    } else {
      candidates = qtune::rewrite::select_layers(graph, names, eq::equalizable_types(),
                                                 "equalization.interested_layers", "equalized", log);
    }
    if (candidates.empty()) {
      result.notes.push_back("no candidate layer; nothing equalized");
      return result;
    }

    const eq::PairSearch search = eq::find_pairs(graph, candidates, o.opt_level);
    for (const std::string& why : search.skipped) log.warn("equalization: " + why);
    if (search.pairs.empty()) {
      log.warn(fmt::format("equalization.opt_level {}: no equalization pair among {} candidate layer(s){}; nothing "
                           "equalized",
                           o.opt_level, search.starts, blocked_text(search, o.opt_level)));
      result.notes.push_back(fmt::format("opt_level {}: no pair found", o.opt_level));
      return result;
    }

    const eq::ActivationRanges acts = o.including_act ? activation_ranges(context, candidates, search)
                                                      : eq::ActivationRanges{};
    // Per pair and channel, the product of the scales of all iterations (for the notes).
    std::vector<std::vector<double>> cumulative(search.pairs.size());
    for (std::size_t p = 0; p < search.pairs.size(); ++p)
      cumulative[p].assign(static_cast<std::size_t>(search.pairs[p].channels), 1.0);
    std::int64_t done = 0;
    for (; done < o.iterations && !context.stop_requested(); ++done) {
      for (std::size_t p = 0; p < search.pairs.size(); ++p) {
        const std::vector<float> s = equalize(graph, search.pairs[p], o, acts);
        for (std::size_t c = 0; c < s.size(); ++c) cumulative[p][c] *= s[c];
      }
    }
    if (done < o.iterations) log.warn(fmt::format("equalization: stopped after {} of {} iterations", done, o.iterations));

    notes(result, search, cumulative, o, done, acts);
    if (!result.modified)
      log.warn(fmt::format("equalization.value_threshold {}: every channel of the {} pair(s) keeps scale 1 (upstream + "
                           "downstream key below the threshold, or already balanced); no weight changed",
                           o.value_threshold, search.pairs.size()));
    return result;
  }

 private:
  static std::string blocked_text(const eq::PairSearch& search, int opt_level) {
    std::vector<std::string> parts;
    for (const auto& [type, n] : search.blockers) parts.push_back(fmt::format("{} x{}", type, n));
    std::string text;
    if (!parts.empty())
      text = fmt::format(" (blocked by: {}{})", fmt::join(parts, ", "),
                         opt_level < 2 && (search.blockers.contains("Add") || search.blockers.contains("Sub"))
                             ? "; opt_level 2 crosses Add/Sub"
                             : "");
    if (search.dead_ends) text += fmt::format(" ({} reach no downstream layer)", search.dead_ends);
    if (!search.skipped.empty()) text += fmt::format(" ({} pair(s) skipped, see the warnings)", search.skipped.size());
    return text;
  }

  // Activation maxima of the interested layers that are upstream in some pair.
  static eq::ActivationRanges activation_ranges(qtune::PassContext& context, const std::vector<qtune::Op*>& candidates,
                                                const eq::PairSearch& search) {
    std::vector<const qtune::Op*> wanted;
    for (const eq::Pair& pair : search.pairs)
      for (const qtune::Op* op : pair.upstream)
        if (std::find(candidates.begin(), candidates.end(), op) != candidates.end()) wanted.push_back(op);
    if (context.calibration_batches().empty())
      context.log().warn("equalization.including_act: no calibration batches; activations are not included");
    return eq::collect_activation_ranges(context, wanted);
  }

  // One equalization step of one pair; returns the scales applied.
  static std::vector<float> equalize(qtune::Graph& graph, const eq::Pair& pair, const Options& o,
                                     const eq::ActivationRanges& acts) {
    const auto c_count = static_cast<std::size_t>(pair.channels);
    std::vector<float> up(c_count, 0.0f), down(c_count, 0.0f);
    for (const qtune::Op* op : pair.upstream) {
      const std::vector<float> key = eq::upstream_key(*op, o.including_bias, o.bias_multiplier);
      for (std::size_t c = 0; c < c_count; ++c) up[c] = std::max(up[c], key[c]);
      if (auto a = acts.max_abs.find(op); a != acts.max_abs.end())
        for (std::size_t c = 0; c < c_count && c < a->second.size(); ++c)
          up[c] = std::max(up[c], std::fabs(a->second[c] * o.act_multiplier));
    }
    for (const qtune::Op* op : pair.downstream) {
      const std::vector<float> key = eq::downstream_key(*op);
      for (std::size_t c = 0; c < c_count; ++c) down[c] = std::max(down[c], key[c]);
    }
    std::vector<float> s(c_count);
    for (std::size_t c = 0; c < c_count; ++c) {
      if (up[c] + down[c] < o.value_threshold || (up[c] == 0.0f && down[c] == 0.0f)) {
        s[c] = 1.0f;
        continue;
      }
      s[c] = std::clamp(1.0f / std::sqrt(up[c] / down[c]), kScaleMin, kScaleMax);
    }
    for (qtune::Op* op : pair.upstream) eq::scale_upstream(graph, *op, s);
    for (qtune::Op* op : pair.downstream) eq::scale_downstream(graph, *op, s);
    return s;
  }

  static void notes(qtune::PassResult& result, const eq::PairSearch& search,
                    const std::vector<std::vector<double>>& cumulative,
                    const Options& o, std::int64_t iterations, const eq::ActivationRanges& acts) {
    std::size_t scaled = 0, channels = 0, ups = 0, downs = 0;
    double lo = 1.0, hi = 1.0;
    std::vector<std::string> lines;
    for (std::size_t p = 0; p < search.pairs.size(); ++p) {
      const eq::Pair& pair = search.pairs[p];
      const auto& cum = cumulative[p];
      const std::size_t n = static_cast<std::size_t>(std::count_if(cum.begin(), cum.end(), [](double v) { return v != 1.0; }));
      const auto [mn, mx] = std::minmax_element(cum.begin(), cum.end());
      lines.push_back(fmt::format("pair {}: [{}] -> [{}]: {} of {} channel(s) scaled, scale in [{:.4g}, {:.4g}]", p + 1,
                                  fmt::join(quoted_names(pair.upstream), ", "),
                                  fmt::join(quoted_names(pair.downstream), ", "), n, cum.size(), *mn, *mx));
      scaled += n;
      channels += cum.size();
      ups += pair.upstream.size();
      downs += pair.downstream.size();
      lo = std::min(lo, *mn);
      hi = std::max(hi, *mx);
    }
    result.modified = scaled > 0;
    result.notes.push_back(fmt::format(
        "opt_level {}, {} iteration(s), value_threshold {}: {} pair(s) equalized ({} upstream, {} downstream "
        "layer(s)); {} of {} channel(s) scaled, cumulative scale in [{:.4g}, {:.4g}]",
        o.opt_level, iterations, o.value_threshold, search.pairs.size(), ups, downs, scaled, channels, lo, hi));
    if (o.including_act)
      result.notes.push_back(fmt::format("activation ranges of {} layer(s) from {} calibration batch(es), act_multiplier {}",
                                         acts.max_abs.size(), acts.batches, o.act_multiplier));
    result.notes.insert(result.notes.end(), lines.begin(), lines.end());
  }
};

}  // namespace

QTUNE_PLUGIN("pass", "equalization", "1.0.0",
             "layerwise (cross-layer) weight equalization on the float graph (esp-ppq LayerwiseEqualizationPass)",
             EqualizationPass)
