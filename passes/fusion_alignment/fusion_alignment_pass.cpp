// Pass "fusion_alignment" (esp-ppq QuantAlignmentPass, reference §3.8): after calibration,
// makes the inputs of Add/Sub/Sum, Concat/ScatterND, average pools, Resize, the logical
// comparisons and GRU/LSTM share one exponent as ESP-DL's kernels require, and lets a
// producer that feeds only that op take the aligned exponent itself (no requantization).
// Runs in every iteration with the reference's defaults (espdl_setting()) unless the
// setting's fusion_alignment block says otherwise.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "alignment_rules.h"
#include "qtune/error.h"
#include "qtune/sdk.h"

namespace {

using qtune::OptionType;
namespace al = qtune::alignment;

const std::set<std::string> kElementwise = {"Add", "Sub", "Sum"};
const std::set<std::string> kConcat = {"Concat", "ScatterND"};
const std::set<std::string> kPooling = {"AveragePool", "GlobalAveragePool"};
const std::set<std::string> kLogical = {"Greater", "Less", "Equal", "GreaterOrEqual", "LessOrEqual"};
const std::set<std::string> kRnn = {"GRU", "LSTM"};

class FusionAlignmentPass final : public qtune::Pass {
 public:
  static qtune::OptionSchema option_schema() {
    const std::vector<std::string> large = {"Align to Large", "Align to Output", "None"};
    const std::vector<std::string> io = {"None", "Align to Input", "Align to Output"};
    return {qtune::make_choice("align_avgpooling_to", "None", io, "AveragePool / GlobalAveragePool"),
            qtune::make_choice("align_elementwise_to", "Align to Output", large,
                   "Add / Sub / Sum; 'Align to Large' always costs one bit (2x the largest input scale)"),
            qtune::make_choice("align_concat_to", "Align to Output", large, "Concat / ScatterND"),
            qtune::make_choice("align_resize_to", "Align to Output", io, "Resize"),
            qtune::make_option("force_alignment_overlap", OptionType::Bool, false,
                               "re-master a producer even when it is a passive op or feeds other ops too (those then see "
                               "the aligned exponent as well); false: such a producer keeps its exponent and the input is "
                               "requantized")};
  }

  qtune::PassStage stage() const override { return qtune::PassStage::Alignment; }
  std::string setting_key() const override { return "fusion_alignment"; }

  qtune::PassResult run(qtune::PassContext& context, const qtune::OptionValues& options) override {
    const std::string elementwise = options.get_string("align_elementwise_to");
    const std::string concat = options.get_string("align_concat_to");
    const std::string pooling = options.get_string("align_avgpooling_to");
    const std::string resize = options.get_string("align_resize_to");
    const bool force = options.get_bool("force_alignment_overlap");

    al::Tally tally;
    std::map<std::string, std::size_t> per_type;
    std::vector<qtune::Op*> aligned;
    for (qtune::Op* op : context.graph().ops()) {
      if (!qtune::op_quant_bits(*op)) continue;
      qtune::QuantSlot master;
      const std::string& t = op->type;
      auto large_or_output = [&](const std::string& method) {
        if (method == "Align to Large") master = al::align_to_large(*op, tally);
        else if (method == "Align to Output") master = al::align_to_output(*op, tally);
        return method != "None";
      };
      auto input_or_output = [&](const std::string& method) {
        if (method == "Align to Input") al::align_to_input(*op, tally);  // no upstream override
        else if (method == "Align to Output") master = al::align_to_output(*op, tally);
        return method != "None";
      };
      bool done = false;
      if (kElementwise.count(t)) done = large_or_output(elementwise);
      else if (kConcat.count(t)) done = large_or_output(concat);
      else if (kPooling.count(t)) done = input_or_output(pooling);
      else if (t == "Resize") done = input_or_output(resize);
      else if (kLogical.count(t)) done = (master = al::align_to_large(*op, tally)) != nullptr;
      else if (kRnn.count(t)) done = (master = al::align_rnn_to_first(*op, tally)) != nullptr;
      if (!done) continue;
      ++per_type[t];
      aligned.push_back(op);
      if (master) al::override_upstream(*op, master, force, tally);
    }
    for (const qtune::Op* op : aligned) al::record_requantized(*op, tally);

    qtune::PassResult result;
    result.modified = tally.slaved_sockets > 0;
    std::vector<std::string> counts;
    for (const auto& [type, n] : per_type) counts.push_back(fmt::format("{} {}", n, type));
    result.notes.push_back(fmt::format(
        "aligned {} op(s) ({}); elementwise '{}', concat '{}', avgpool '{}', resize '{}'{}",
        aligned.size(), counts.empty() ? std::string("none in this graph") : fmt::format("{}", fmt::join(counts, ", ")),
        elementwise, concat, pooling, resize, force ? ", force_alignment_overlap" : ""));
    if (!aligned.empty())
      result.notes.push_back(fmt::format("{} producer output(s) take the aligned exponent; {} input(s) requantized "
                                         "because their producer keeps its own exponent{}{}",
                                         tally.producers_remastered, tally.requantized.size(),
                                         tally.requantized.empty() ? "" : ": ",
                                         fmt::join(tally.requantized, ", ")));
    return result;
  }
};

}  // namespace

QTUNE_PLUGIN("pass", "fusion_alignment", "1.0.0",
             "exponent alignment of Add/Sub/Concat/AveragePool/Resize/logical/RNN inputs (esp-ppq QuantAlignmentPass)",
             FusionAlignmentPass)
