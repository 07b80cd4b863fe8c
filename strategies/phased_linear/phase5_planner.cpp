#include "phase5_planner.h"

#include <fmt/format.h>

#include "lever_fill.h"
#include "qtune/search/json_util.h"

namespace qtune::phased {
namespace {

constexpr const char* kToggleable[] = {"equalization", "bias_correct", "fusion_alignment",
                                       "weight_split", "blockwise_reconstruction", "tqt_optimization"};

bool block_on(const rapidjson::Value& setting, const char* key) {
  const auto* block = json_member(&setting, key);
  if (block == nullptr || !block->IsObject()) return json_truthy(block);
  if (block->HasMember("enabled")) return json_truthy(&(*block)["enabled"]);
  return block->MemberCount() > 0;
}

std::vector<std::string> strings(const rapidjson::Value* list) {
  std::vector<std::string> out;
  if (list != nullptr && list->IsArray())
    for (const auto& v : list->GetArray())
      if (v.IsString()) out.emplace_back(v.GetString());
  return out;
}

class Planner {
 public:
  Planner(const History& rows, const IterationRow& best, const search::SearchState& state, StrategyContext& context,
          const NoiseRule& noise)
      : rows_(rows), best_(best), state_(state), context_(context), noise_(noise) {
    if (state.phase5_signals) signals_ = state.phase5_signals.get();
  }

  std::optional<Proposal> next() {
    for (auto step : {&Planner::untried_levers, &Planner::reapply_and_swap, &Planner::stack_improvements,
                      &Planner::tune, &Planner::ablate_costs})
      if (auto p = (this->*step)()) return p;
    return std::nullopt;
  }

 private:
  std::optional<Proposal> accept(Proposal p) {
    const int ran = already_run(rows_, *p.setting);
    if (ran >= 0) return std::nullopt;
    // Never propose a pass the harness cannot run (its plugin is not installed).
    for (const char* key : kToggleable)
      if (block_on(*p.setting, key) && !context_.pass_available(key)) return std::nullopt;
    return p;
  }

  std::shared_ptr<Document> from_best() const { return copy_setting(best_.setting()); }

  std::optional<Proposal> untried_levers() {
    for (const auto& lever : strings(json_member(signals_, "untried_phase3_levers"))) {
      LeverPlan plan = plan_lever(lever, &best_, state_.next_iteration_id, context_);
      if (!plan.skip_reason.empty()) continue;
      auto s = from_best();
      deep_merge(*s, *plan.snippet, s->GetAllocator());
      auto p = accept({"5alpha", s,
                       fmt::format("Phase 5 STACK: lever {} ({}) onto best iter_{} ({}), left untried by the Phase-3 "
                                   "cap{}",
                                   lever, lever_summary(lever), best_.id, enabled_summary(best_.setting()),
                                   plan.evidence.empty() ? "" : "; " + plan.evidence)});
      if (p) return p;
    }
    return std::nullopt;
  }

  std::optional<Proposal> with_calib(const std::string& calib, const std::string& why) {
    auto s = from_best();
    s->RemoveMember("calib_algorithm");
    s->AddMember("calib_algorithm", rapidjson::Value(calib.c_str(), s->GetAllocator()), s->GetAllocator());
    return accept({"5beta", s, why});
  }

  std::optional<Proposal> reapply_and_swap() {
    for (const auto& calib : strings(json_member(signals_, "untried_5beta_reapply")))
      if (auto p = with_calib(calib, fmt::format("Phase 5 5beta-reapply: calibration {} re-tested on best iter_{}'s "
                                                 "deeper stack ({}); its earlier attempt ran on a shallower stack",
                                                 calib, best_.id, enabled_summary(best_.setting()))))
        return p;
    for (const auto& calib : strings(json_member(signals_, "untried_calib_swaps")))
      if (auto p = with_calib(calib, fmt::format("Phase 5 CROSS-POLLINATE: calibration {} (covered in Phase 2) on best "
                                                 "iter_{}'s stack ({})",
                                                 calib, best_.id, enabled_summary(best_.setting()))))
        return p;
    return std::nullopt;
  }

  // Rows that beat the best before them beyond noise: stack what they enabled that best lacks.
  std::optional<Proposal> stack_improvements() {
    const std::string direction = best_.metric_direction();
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      const auto& row = rows_[i];
      if (row.id == best_.id || !row.has_finite_value()) continue;
      const IterationRow* prior = nullptr;
      for (std::size_t j = 0; j < i; ++j)
        if (rows_[j].has_finite_value() && (prior == nullptr || compare_beyond_noise(rows_[j], *prior, direction,
                                                                                      NoiseRule{0.0, false}) > 0))
          prior = &rows_[j];
      if (prior == nullptr || compare_beyond_noise(row, *prior, direction, noise_) <= 0) continue;
      auto s = from_best();
      std::string added;
      for (const char* key : kToggleable)
        if (block_on(row.setting(), key) && !block_on(best_.setting(), key)) {
          s->RemoveMember(key);
          s->AddMember(rapidjson::Value(key, s->GetAllocator()), rapidjson::Value(row.setting()[key], s->GetAllocator()),
                       s->GetAllocator());
          added += (added.empty() ? "" : ", ") + std::string(key);
        }
      if (added.empty()) continue;
      if (auto p = accept({"5alpha", s,
                           fmt::format("Phase 5 STACK: iter_{} improved on iter_{} beyond the metric's noise with {}; "
                                       "stacked onto best iter_{} ({})",
                                       row.id, prior->id, added, best_.id, enabled_summary(best_.setting()))}))
        return p;
    }
    return std::nullopt;
  }

  std::optional<Proposal> tune() {
    const auto* tqt = json_member(&best_.setting(), "tqt_optimization");
    if (tqt != nullptr && tqt->IsObject() && json_truthy(json_member(tqt, "enabled"))) {
      const double steps = json_numeric(json_member(tqt, "steps")) ? json_number((*tqt)["steps"]) : 500;
      for (const auto& [key, value, why] : std::vector<std::tuple<const char*, double, const char*>>{
               {"steps", steps < 1000 ? 1000.0 : 2000.0, "more TQT steps"},
               {"block_size", 2.0, "smaller TQT blocks"},
               {"lr", 5e-5, "a larger TQT learning rate"}}) {
        auto s = from_best();
        auto& block = (*s)["tqt_optimization"];
        block.RemoveMember(key);
        rapidjson::Value v;
        if (std::string(key) == "lr") v.SetDouble(value);
        else v.SetInt(static_cast<int>(value));
        block.AddMember(rapidjson::Value(key, s->GetAllocator()), v, s->GetAllocator());
        if (auto p = accept({"5delta", s,
                             fmt::format("Phase 5 TUNE: {} ({}={}) on best iter_{} ({}), from the tunable-parameter "
                                         "advisory",
                                         why, key, python_float_repr(value), best_.id, enabled_summary(best_.setting()))}))
          return p;
      }
    }
    const auto* eq = json_member(&best_.setting(), "equalization");
    if (eq != nullptr && eq->IsObject() && json_truthy(json_member(eq, "enabled"))) {
      const double level = json_numeric(json_member(eq, "opt_level")) ? json_number((*eq)["opt_level"]) : 1;
      auto s = from_best();
      auto& block = (*s)["equalization"];
      block.RemoveMember("opt_level");
      block.AddMember("opt_level", rapidjson::Value(level == 1 ? 2 : 1), s->GetAllocator());
      if (auto p = accept({"5delta", s,
                           fmt::format("Phase 5 TUNE: equalization opt_level {} on best iter_{}", level == 1 ? 2 : 1,
                                       best_.id)}))
        return p;
    }
    return std::nullopt;
  }

  // Best costs on-device speed: try it without each costly component (5gamma ABLATE).
  std::optional<Proposal> ablate_costs() {
    const auto* table = json_member(&best_.setting(), "dispatching_table");
    if (table != nullptr && table->IsArray())
      for (rapidjson::SizeType i = 0; i < table->Size(); ++i) {
        auto s = from_best();
        auto& list = (*s)["dispatching_table"];
        const std::string op = python_str(json_member(&list[i], "op"));
        list.Erase(list.Begin() + i);
        if (auto p = accept({"5gamma", s,
                             fmt::format("Phase 5 ABLATE: best iter_{} without its int16 promotion of {} (on-device "
                                         "cost: {})",
                                         best_.id, op, runtime_cost(best_.setting()).label)}))
          return p;
      }
    if (block_on(best_.setting(), "weight_split")) {
      auto s = from_best();
      s->RemoveMember("weight_split");
      if (auto p = accept({"5gamma", s,
                           fmt::format("Phase 5 ABLATE: best iter_{} without weight split (on-device cost: {})",
                                       best_.id, runtime_cost(best_.setting()).label)}))
        return p;
    }
    return std::nullopt;
  }

  const History& rows_;
  const IterationRow& best_;
  const search::SearchState& state_;
  StrategyContext& context_;
  NoiseRule noise_;
  const rapidjson::Value* signals_ = nullptr;
};

}  // namespace

std::optional<Proposal> plan_phase5(const History& rows, const IterationRow& best, const search::SearchState& state,
                                    StrategyContext& context, const NoiseRule& noise) {
  return Planner(rows, best, state, context, noise).next();
}

}  // namespace qtune::phased
