#include "qtune/search/r8_trigger.h"

#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace qtune::search {
namespace {

const std::set<std::string> kElementwiseTypes = {"Concat", "Add", "Sub", "Mul", "Resize", "AveragePool"};
const std::set<std::string> kActivationTypes = {"Relu", "Swish", "Sigmoid", "HardSwish"};
// §3 step 6: the veto looks at the first three hot ops, any type.
constexpr rapidjson::SizeType kVetoWindow = 3;

std::string text_of(const JsonValue& op, const char* key) { return python_str(json_member(&op, key)); }

bool type_in(const JsonValue& op, const std::set<std::string>& types) {
  const JsonValue* type = json_member(&op, "op_type");
  return type != nullptr && type->IsString() && types.count(type->GetString()) > 0;
}

// max_snr / inputs_float_std_ratio as float when numeric, else 0.0.
double number_or_zero(const JsonValue& op, const char* key) {
  const JsonValue* v = json_member(&op, key);
  return json_numeric(v) ? json_number(*v) : 0.0;
}

}  // namespace

R8Result r8_fires(const JsonValue& hot_ops, const SearchConstants& c) {
  if (!hot_ops.IsArray() || hot_ops.Empty())
    return {false, "R8 skip: the non_computing_hot_ops list is empty (no elementwise evidence for 3c)"};
  const JsonValue* candidate = nullptr;
  for (const JsonValue& op : hot_ops.GetArray()) {
    if (!op.IsObject() || !type_in(op, kElementwiseTypes)) continue;
    // First maximal entry in list order (Python max with a key).
    if (candidate == nullptr || number_or_zero(op, "max_snr") > number_or_zero(*candidate, "max_snr")) candidate = &op;
  }
  if (candidate == nullptr)
    return {false,
            "R8 skip: no Concat/Add/Sub/Mul/Resize/AveragePool op among the non_computing_hot_ops entries"};

  const std::string name = text_of(*candidate, "op_name");
  const std::string type = text_of(*candidate, "op_type");
  const double snr = number_or_zero(*candidate, "max_snr");
  const double std_ratio = number_or_zero(*candidate, "inputs_float_std_ratio");
  const bool in_band = c.r8_max_snr_primary < snr && snr <= c.r8_max_snr_upper;
  const bool above = snr > c.r8_max_snr_upper;
  const bool reinforced = std_ratio > c.r8_std_ratio_reinforce;

  // §3: the band / reinforcement rejection is returned before the veto is looked at.
  if (!in_band && !reinforced) {
    if (above)
      return {false, fmt::format("R8 above-band skip: top elementwise op {} ({}) max_snr={:.3f} > {:.2f} upper bound; "
                                 "the error is too large for fusion alignment alone, try the deeper levers "
                                 "3a-3 / 3d / 3e instead. Reinforcement std_ratio={:.2f} <= {:.1f}.",
                                 name, type, snr, c.r8_max_snr_upper, std_ratio, c.r8_std_ratio_reinforce)};
    return {false, fmt::format("R8 below-band skip: top elementwise op {} ({}) max_snr={:.3f} <= {:.2f} lower bound; "
                               "elementwise error is too small for fusion alignment to pay off. "
                               "Reinforcement std_ratio={:.2f} <= {:.1f}.",
                               name, type, snr, c.r8_max_snr_primary, std_ratio, c.r8_std_ratio_reinforce)};
  }

  // Activation veto: overrides both the band and the reinforcement.
  const JsonValue* worst = nullptr;
  for (rapidjson::SizeType i = 0; i < hot_ops.Size() && i < kVetoWindow; ++i) {
    const JsonValue& op = hot_ops[i];
    if (!op.IsObject() || !type_in(op, kActivationTypes)) continue;
    if (worst == nullptr || number_or_zero(op, "max_snr") > number_or_zero(*worst, "max_snr")) worst = &op;
  }
  if (worst != nullptr && snr > 0 && number_or_zero(*worst, "max_snr") > c.r8_activation_veto_ratio * snr)
    return {false, fmt::format("R8 activation veto: {} ({}) max_snr={:.3f} > {:.2f}\u00d7 candidate {} max_snr={:.3f}; "
                               "the activation dominates, so fusion alignment would not help: prefer TQT or an int16 "
                               "dispatch of that activation.",
                               text_of(*worst, "op_name"), text_of(*worst, "op_type"),
                               number_or_zero(*worst, "max_snr"), c.r8_activation_veto_ratio, name, snr)};

  std::string gate;
  if (in_band)
    gate = fmt::format("primary band {:.2f} < max_snr={:.3f} <= {:.2f}", c.r8_max_snr_primary, snr, c.r8_max_snr_upper);
  else
    gate = fmt::format("reinforcement std_ratio={:.2f} > {:.1f} (max_snr={:.3f} {} band)", std_ratio,
                       c.r8_std_ratio_reinforce, snr, above ? "above" : "below");
  return {true, fmt::format("R8 fired on {} ({}): {}", name, type, gate)};
}

rapidjson::Document read_iteration_artifact(const IterationRow& row, const char* file_name) {
  rapidjson::Document doc;
  std::ifstream in(row.dir / file_name, std::ios::binary);
  if (!in) return doc;
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  doc.Parse<rapidjson::kParseNanAndInfFlag>(text.c_str(), text.size());
  if (doc.HasParseError()) doc.SetNull();
  return doc;
}

R8Result r8_check_for_best(const IterationRow* best, const SearchConstants& constants) {
  if (best == nullptr) return {false, "R8 skip: no best iteration yet, so 3c is skipped"};
  const rapidjson::Document hot_ops = read_iteration_artifact(*best, "non_computing_hot_ops.json");
  if (!hot_ops.IsArray() || hot_ops.Empty())
    return {false, fmt::format("R8 skip: the best iteration iter_{} has no readable non_computing_hot_ops.json "
                               "(missing, unreadable, not a list or empty); 3c is skipped by default",
                               best->id)};
  return r8_fires(hot_ops, constants);
}

}  // namespace qtune::search
