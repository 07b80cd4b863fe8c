// Pass "weight_split" (esp-ppq HorizontalLayerSplitPass, reference §3.3): for each named
// Conv/Gemm/MatMul/ConvTranspose, the weights with |w| > value_threshold are split in two
// (balance: halves; random: W·U and the rest). The layer keeps one part and its bias, a
// clone reads the same input with the other part and no bias, and an Add sums the two —
// the float function is unchanged, each part's range is smaller, so its exponent is finer.
// The device runs the extra op and Add (the setting's speed cost).
//
// PreQuantize stage, before equalization (esp-ppq's pre-quant pipeline runs
// HorizontalLayerSplitPass first). Differences from esp-ppq, where it fails or repeats:
// a name that is not in the graph or not a splittable op is a warning, not an exception;
// a name listed twice is split once; `random` is seeded per layer (horizontal_split.h).
#include <fmt/format.h>

#include "horizontal_split.h"
#include "qtune/rewrite/layer_selection.h"
#include "qtune/rewrite/parameters.h"
#include "qtune/sdk.h"

namespace {

using qtune::OptionType;
namespace ws = qtune::weight_split;

// Op types esp-ppq's split accepts (their weight is input 1).
const std::set<std::string> kSplittable = {"Conv", "ConvTranspose", "Gemm", "MatMul"};
// Runs before equalization within PreQuantize (esp-ppq: split, channel split, equalization).
constexpr int kOrderInStage = 10;

class WeightSplitPass final : public qtune::Pass {
 public:
  static qtune::OptionSchema option_schema() {
    return {qtune::make_option("interested_layers", OptionType::StringList, std::vector<std::string>{},
                               "ops to split (names from simplified_ops.json); required by the setting: weight_split "
                               "with an empty list is refused, as esp-ppq refuses it"),
            qtune::make_option("value_threshold", OptionType::Float, 2.0,
                               "only weights with |w| > value_threshold are split; a layer with none is left as is "
                               "(warning)",
                               0.0),
            qtune::make_choice("method", "balance", {"balance", "random"},
                               "balance: each part gets w/2; random: the clone gets w*u, u uniform in [0,1) (seeded by "
                               "the op name, so every iteration splits alike), the layer keeps the rest")};
  }

  qtune::PassStage stage() const override { return qtune::PassStage::PreQuantize; }
  int order_in_stage() const override { return kOrderInStage; }
  std::string setting_key() const override { return "weight_split"; }

  qtune::PassResult run(qtune::PassContext& context, const qtune::OptionValues& options) override {
    const auto& names = options.get_strings("interested_layers");
    const double threshold = options.get_float("value_threshold");
    const std::string& method_name = options.get_string("method");
    const ws::Method method = method_name == "random" ? ws::Method::Random : ws::Method::Balance;
    qtune::Graph& graph = context.graph();
    qtune::Log& log = context.log();

    qtune::PassResult result;
    if (names.empty()) {
      log.warn("weight_split.interested_layers is empty: no layer is split (name the layers to split, as listed in "
               "simplified_ops.json)");
      result.notes.push_back("no layer named; nothing split");
      return result;
    }
    std::size_t layers = 0, moved = 0;
    for (qtune::Op* op : qtune::rewrite::select_layers(graph, names, kSplittable, "weight_split.interested_layers",
                                                       "split", log)) {
      if (!qtune::rewrite::is_float_parameter(*op, 1)) {
        log.warn(fmt::format("weight_split.interested_layers: '{}' ({}) has no constant float weight in input 1; it is "
                             "not split",
                             op->name, op->type));
        continue;
      }
      const qtune::Tensor& weight = *op->input(1).value;
      ws::SplitValues values =
          ws::split_values(weight, static_cast<float>(threshold), method, ws::seed_for(op->name));
      if (values.selected == 0) {
        log.warn(fmt::format("weight_split.value_threshold {}: no weight of '{}' exceeds it (max |w| = {:.4g}); the "
                             "layer is not split",
                             threshold, op->name, values.max_abs));
        continue;
      }
      const std::size_t selected = values.selected, total = static_cast<std::size_t>(weight.numel());
      const float max_abs = values.max_abs;
      const std::string layer = op->name;
      const ws::SplitNames added = ws::split_layer(graph, *op, std::move(values));
      ++layers;
      moved += selected;
      result.notes.push_back(fmt::format("'{}': {} of {} weights with |w| > {} (max {:.4g}) split ({}) into '{}' + "
                                         "Add '{}'",
                                         layer, selected, total, threshold, max_abs, method_name, added.clone,
                                         added.add));
    }
    result.modified = layers > 0;
    result.notes.insert(result.notes.begin(),
                        fmt::format("split {} of {} named layer(s): {} weight(s) moved, {} op(s) added", layers,
                                    names.size(), moved, 2 * layers));
    return result;
  }
};

}  // namespace

QTUNE_PLUGIN("pass", "weight_split", "1.0.0",
             "horizontal layer split of large weights into a clone + Add (esp-ppq HorizontalLayerSplitPass)",
             WeightSplitPass)
