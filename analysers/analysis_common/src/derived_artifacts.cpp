#include "qtune_analysis/derived_artifacts.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>

#include "qtune_analysis/artifact_json.h"
#include "qtune_analysis/op_sets.h"

namespace qtune::analysis {
namespace {

using rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

// isinstance(v, (int, float)) on a JSON value; bool counts (a Python bool is an int).
std::optional<double> py_number(const Value* v) {
  if (!v) return std::nullopt;
  if (v->IsNumber()) return v->GetDouble();
  if (v->IsBool()) return v->GetBool() ? 1.0 : 0.0;
  return std::nullopt;
}

// Python truthiness of a JSON value.
bool truthy(const Value* v) {
  if (!v || v->IsNull()) return false;
  if (v->IsBool()) return v->GetBool();
  if (v->IsNumber()) return v->GetDouble() != 0.0;
  if (v->IsString()) return v->GetStringLength() > 0;
  if (v->IsArray()) return !v->Empty();
  return v->MemberCount() > 0;
}

// dict.get(key): the member or null when absent (or when `obj` is not an object).
const Value* get(const Value& obj, const char* key) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string string_or_empty(const Value* v) { return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string(); }

Value copy_or_null(const Value* v, Allocator& a) { return v ? Value(*v, a) : Value(rapidjson::kNullType); }

// {name: value} lookup of a layerwise / graphwise object (last duplicate wins, as a dict).
std::unordered_map<std::string, const Value*> as_map(const Value& object) {
  std::unordered_map<std::string, const Value*> m;
  if (!object.IsObject()) return m;
  for (const auto& member : object.GetObject())
    m[std::string(member.name.GetString(), member.name.GetStringLength())] = &member.value;
  return m;
}

// Python's min()/max() over a list: the first element wins unless a later one compares
// strictly smaller/larger (so NaN handling matches too).
double py_min(const std::vector<double>& v) {
  double m = v.front();
  for (std::size_t i = 1; i < v.size(); ++i)
    if (v[i] < m) m = v[i];
  return m;
}
double py_max(const std::vector<double>& v) {
  double m = v.front();
  for (std::size_t i = 1; i < v.size(); ++i)
    if (v[i] > m) m = v[i];
  return m;
}

}  // namespace

std::vector<std::string> first_keys(const rapidjson::Value& object, std::int64_t k) {
  std::vector<std::string> keys;
  if (!object.IsObject()) return keys;
  for (const auto& member : object.GetObject()) keys.emplace_back(member.name.GetString(), member.name.GetStringLength());
  const auto n = static_cast<std::int64_t>(keys.size());
  const std::int64_t end = k >= 0 ? std::min(k, n) : std::max<std::int64_t>(0, n + k);
  keys.resize(static_cast<std::size_t>(end));
  return keys;
}

rapidjson::Document filter_layer_stats(const rapidjson::Value& records, const std::vector<std::string>& ops) {
  rapidjson::Document out(rapidjson::kArrayType);
  if (!records.IsArray() || records.Empty() || ops.empty()) return out;
  std::map<std::string, std::size_t> rank;   // {name: idx for idx, name in enumerate(ops)}
  for (std::size_t i = 0; i < ops.size(); ++i) rank[ops[i]] = i;
  std::vector<std::pair<std::size_t, const Value*>> kept;
  for (const Value& r : records.GetArray()) {
    const Value* name = get(r, "Op name");
    if (!name || !name->IsString()) continue;
    auto it = rank.find(string_or_empty(name));
    if (it != rank.end()) kept.emplace_back(it->second, &r);
  }
  std::stable_sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [rank_of, r] : kept) out.PushBack(Value(*r, out.GetAllocator()), out.GetAllocator());
  return out;
}

rapidjson::Document non_computing_hot_ops(const rapidjson::Value& records, std::int64_t top_k) {
  rapidjson::Document out(rapidjson::kArrayType);
  auto& a = out.GetAllocator();
  if (top_k <= 0 || !records.IsArray() || records.Empty()) return out;

  struct Bucket {
    const Value* op_type = nullptr;
    double max_snr = -std::numeric_limits<double>::infinity();
    Value per_var{rapidjson::kArrayType};
    std::vector<double> input_float_stds;
  };
  std::vector<std::string> order;                 // dict insertion order
  std::unordered_map<std::string, Bucket> buckets;
  for (const Value& r : records.GetArray()) {
    const Value* name = get(r, "Op name");
    const Value* type = get(r, "Op type");
    if (!truthy(name) || !name->IsString()) continue;
    if (type && type->IsString() && is_computing_type(string_or_empty(type))) continue;
    const std::optional<double> snr = py_number(get(r, "Noise:Signal Power Ratio"));
    if (!snr) continue;
    const std::string key = string_or_empty(name);
    auto [it, added] = buckets.try_emplace(key);
    Bucket& b = it->second;
    if (added) {
      order.push_back(key);
      b.op_type = type;
    }
    if (*snr > b.max_snr) b.max_snr = *snr;   // max(bucket, snr): a NaN never wins
    Value entry(rapidjson::kObjectType);
    entry.AddMember("var", copy_or_null(get(r, "Variable name"), a), a);
    entry.AddMember("is_input", Value(truthy(get(r, "Is input"))), a);
    entry.AddMember("is_output", Value(truthy(get(r, "Is output"))), a);
    entry.AddMember("is_parameter", Value(truthy(get(r, "Is parameter"))), a);
    entry.AddMember("snr", Value(*snr), a);
    b.per_var.PushBack(entry, a);
    if (truthy(get(r, "Is input")) && !truthy(get(r, "Is parameter")))
      if (const auto std = py_number(get(r, "Float Std"))) b.input_float_stds.push_back(*std);
  }

  std::vector<std::pair<std::string, double>> ranked;
  for (const std::string& key : order) ranked.emplace_back(key, buckets.at(key).max_snr);
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
  if (static_cast<std::int64_t>(ranked.size()) > top_k) ranked.resize(static_cast<std::size_t>(top_k));

  for (const auto& [key, max_snr] : ranked) {
    Bucket& b = buckets.at(key);
    Value entry(rapidjson::kObjectType);
    entry.AddMember("op_name", json_string(key, a), a);
    entry.AddMember("op_type", copy_or_null(b.op_type, a), a);
    entry.AddMember("max_snr", Value(b.max_snr), a);
    entry.AddMember("per_var_snrs", b.per_var, a);
    if (b.input_float_stds.size() >= 2) {
      const double lo = py_min(b.input_float_stds);
      const double denom = 1e-9 > lo ? 1e-9 : lo;   // max(min(stds), 1e-9)
      entry.AddMember("inputs_float_std_ratio", Value(py_max(b.input_float_stds) / denom), a);
    } else {
      entry.AddMember("inputs_float_std_ratio", Value(rapidjson::kNullType), a);
    }
    out.PushBack(entry, a);
  }
  return out;
}

rapidjson::Document graphwise_jumps(const rapidjson::Value& layerwise, const rapidjson::Value& graphwise,
                                    const std::vector<OpEntry>& ops, double threshold) {
  rapidjson::Document out(rapidjson::kArrayType);
  auto& a = out.GetAllocator();
  if (ops.empty()) return out;
  const auto lw = as_map(layerwise);
  const auto gw = as_map(graphwise);
  auto lookup = [](const std::unordered_map<std::string, const Value*>& m, const std::string& k) -> std::optional<double> {
    auto it = m.find(k);
    return it == m.end() ? std::nullopt : py_number(it->second);
  };

  struct Jump {
    double excess;
    Value value;
  };
  std::vector<Jump> jumps;
  const OpEntry* prev = nullptr;
  std::vector<const OpEntry*> intervening;
  for (const OpEntry& node : ops) {
    if (is_computing_type(node.type)) {
      if (prev && !node.name.empty()) {
        const auto gw_prev = lookup(gw, prev->name), gw_next = lookup(gw, node.name), lw_next = lookup(lw, node.name);
        if (gw_prev && gw_next && lw_next) {
          const double delta = *gw_next - *gw_prev;
          const double excess = delta - *lw_next;
          if (excess > threshold) {
            Value j(rapidjson::kObjectType);
            j.AddMember("op_prev", json_string(prev->name, a), a);
            j.AddMember("op_next", json_string(node.name, a), a);
            j.AddMember("delta_graphwise", Value(delta), a);
            j.AddMember("isolated_layerwise_op_next", Value(*lw_next), a);
            j.AddMember("intervening_excess", Value(excess), a);
            Value between(rapidjson::kArrayType);
            for (const OpEntry* n : intervening) {
              if (n->name.empty()) continue;
              Value e(rapidjson::kObjectType);
              e.AddMember("name", json_string(n->name, a), a);
              e.AddMember("type", json_string(n->type, a), a);
              between.PushBack(e, a);
            }
            j.AddMember("intervening_non_computing_ops", between, a);
            jumps.push_back({excess, std::move(j)});
          }
        }
      }
      prev = &node;
      intervening.clear();
    } else if (!node.type.empty() && !node.name.empty() && prev) {
      intervening.push_back(&node);
    }
  }
  std::stable_sort(jumps.begin(), jumps.end(), [](const Jump& x, const Jump& y) { return x.excess > y.excess; });
  for (Jump& j : jumps) out.PushBack(j.value, a);
  return out;
}

}  // namespace qtune::analysis
