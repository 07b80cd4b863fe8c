// Strategy "ablation": from one iteration (the best by default), drop one component at a
// time (each enabled pass, each int16 op, each weight-split layer), evaluate each, then
// the combination of every component whose removal stayed within tolerance, and report
// the minimal recipe that keeps the metric within tolerance of the starting point, with
// the on-device cost it saves (outputs/ablation.json; the decision's advice).
#include <cmath>

#include <fmt/format.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "components.h"
#include "qtune/sdk.h"
#include "qtune/search/setting_edit.h"

namespace {

using qtune::History;
using qtune::IterationRow;
using qtune::StrategyDecision;
namespace ablation = qtune::ablation;
namespace search = qtune::search;

constexpr const char* kFrom = "from_iteration";
constexpr const char* kTolerance = "tolerance";
constexpr const char* kNoiseSigmas = "noise_sigmas";

const IterationRow* find_row(const History& rows, int id) {
  for (const auto& row : rows)
    if (row.id == id) return &row;
  return nullptr;
}

StrategyDecision finalize(const std::string& category, const std::string& text) {
  StrategyDecision d;
  d.action = StrategyDecision::Action::Finalize;
  d.phase = "ablation";
  d.finalize_category = category;
  d.reason = d.advice = text;
  return d;
}

struct Trial {
  ablation::Component component;
  const IterationRow* row = nullptr;   // the iteration that ran the setting without it
  bool within = false;
};

class Ablation final : public qtune::Strategy {
 public:
  static qtune::OptionSchema option_schema() {
    using T = qtune::OptionType;
    return {
        qtune::make_option(kFrom, T::Int, std::int64_t{-1}, "the iteration to ablate; -1 = the best one", -1.0),
        qtune::make_option(kTolerance, T::Float, 0.0,
                           "how far (absolute, in the metric's units) below the starting point a recipe may land "
                           "and still count as equal, on top of the sampling noise",
                           0.0),
        qtune::make_option(kNoiseSigmas, T::Float, 1.0,
                           "standard errors of the difference treated as noise (binomial, needs metrics.json samples)",
                           0.0),
    };
  }

  StrategyDecision decide(qtune::StrategyContext& context, const qtune::OptionValues& options) override {
    const History& rows = context.history();
    const std::int64_t from = options.get_int(kFrom);
    const IterationRow* base = from >= 0 ? find_row(rows, static_cast<int>(from)) : qtune::best_iteration(rows);
    if (base == nullptr || !base->has_finite_value())
      return finalize("exhausted", from >= 0 ? fmt::format("iter_{} has no finite metric to ablate from", from)
                                             : "no successful iteration to ablate; run a search first");
    const auto components = ablation::components_of(base->setting());
    if (components.empty())
      return finalize("exhausted", fmt::format("iter_{} enables no component to ablate", base->id));

    std::vector<Trial> trials;
    for (const auto& c : components) {
      const auto setting = ablation::without(base->setting(), c);
      const int ran = search::already_run(rows, *setting);
      if (ran < 0) {
        if (context.iterations_left() == 0) break;
        return iterate(*setting, fmt::format("ablation of iter_{}: without {}", base->id, c.name));
      }
      trials.push_back({c, find_row(rows, ran), false});
    }
    const double tolerance = options.get_float(kTolerance);
    const qtune::NoiseRule noise{options.get_float(kNoiseSigmas), options.get_float(kNoiseSigmas) > 0};
    std::vector<ablation::Component> droppable;
    for (auto& t : trials) {
      t.within = within(*t.row, *base, tolerance, noise);
      if (t.within) droppable.push_back(t.component);
    }
    const IterationRow* minimal = base;
    std::vector<ablation::Component> removed;
    if (droppable.size() >= 2) {
      const auto combined = ablation::without_all(base->setting(), droppable);
      const int ran = search::already_run(rows, *combined);
      if (ran < 0 && context.iterations_left() != 0)
        return iterate(*combined, fmt::format("ablation of iter_{}: without all of the {} components whose single "
                                              "removal stayed within tolerance",
                                              base->id, droppable.size()));
      if (ran >= 0 && within(*find_row(rows, ran), *base, tolerance, noise)) {
        minimal = find_row(rows, ran);
        removed = droppable;
      }
    }
    if (removed.empty()) {
      // One removal at most: the within-tolerance one that saves on-device cost, else
      // the best-scoring one.
      const Trial* pick = nullptr;
      for (const auto& t : trials)
        if (t.within && (pick == nullptr || (t.component.costs_speed && !pick->component.costs_speed) ||
                         (t.component.costs_speed == pick->component.costs_speed && t.row->value() > pick->row->value())))
          pick = &t;
      if (pick != nullptr) minimal = pick->row, removed = {pick->component};
    }
    write_report(context, *base, trials, *minimal, removed, tolerance);
    return finalize(trials.size() < components.size() ? "budget_spent" : "ablation_complete",
                    summary(*base, trials, *minimal, removed));
  }

 private:
  static StrategyDecision iterate(const search::Document& setting, const std::string& why) {
    StrategyDecision d;
    d.action = StrategyDecision::Action::Iterate;
    d.phase = "ablation";
    d.setting_json = search::setting_text(setting, why);
    d.reason = d.advice = why;
    return d;
  }

  // `row` stays within tolerance (+ noise) of `base`.
  static bool within(const IterationRow& row, const IterationRow& base, double tolerance, const qtune::NoiseRule& noise) {
    if (!row.has_finite_value()) return false;
    const bool max = base.metric_direction() != "min";
    const double shortfall = max ? base.value() - row.value() : row.value() - base.value();
    double margin = tolerance;
    if (noise.enabled) {
      const auto a = qtune::metric_standard_error(row), b = qtune::metric_standard_error(base);
      if (a && b) margin += noise.sigmas * std::sqrt(*a * *a + *b * *b);
    }
    return shortfall <= margin;
  }

  static std::string summary(const IterationRow& base, const std::vector<Trial>& trials, const IterationRow& minimal,
                             const std::vector<ablation::Component>& removed) {
    std::string text = fmt::format("Ablation of iter_{} ({}={}):", base.id, base.primary_metric(),
                                   qtune::python_float_repr(base.value()));
    for (const auto& t : trials)
      text += fmt::format(" without {} -> iter_{} {} ({});", t.component.name, t.row->id,
                          qtune::python_float_repr(t.row->value()), t.within ? "within tolerance" : "needed");
    if (removed.empty()) return text + " every component is needed; the minimal recipe is the starting point.";
    std::string names;
    for (const auto& c : removed) names += (names.empty() ? "" : ", ") + c.name;
    return text + fmt::format(" minimal recipe: iter_{} (drops {}; on-device cost {} -> {}).", minimal.id, names,
                              qtune::runtime_cost(base.setting()).label, qtune::runtime_cost(minimal.setting()).label);
  }

  static void write_report(qtune::StrategyContext& context, const IterationRow& base, const std::vector<Trial>& trials,
                           const IterationRow& minimal, const std::vector<ablation::Component>& removed,
                           double tolerance) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    doc.AddMember("base_iteration", base.id, a);
    doc.AddMember("base_value", base.value(), a);
    doc.AddMember("tolerance", tolerance, a);
    rapidjson::Value list(rapidjson::kArrayType);
    for (const auto& t : trials) {
      rapidjson::Value e(rapidjson::kObjectType);
      e.AddMember("component", rapidjson::Value(t.component.name.c_str(), a), a);
      e.AddMember("iteration", t.row->id, a);
      e.AddMember("value", t.row->has_finite_value() ? rapidjson::Value(t.row->value()) : rapidjson::Value(), a);
      e.AddMember("within_tolerance", t.within, a);
      e.AddMember("costs_speed", t.component.costs_speed, a);
      list.PushBack(e, a);
    }
    doc.AddMember("components", list, a);
    rapidjson::Value recipe(rapidjson::kObjectType);
    recipe.AddMember("iteration", minimal.id, a);
    recipe.AddMember("value", minimal.value(), a);
    rapidjson::Value names(rapidjson::kArrayType);
    for (const auto& c : removed) names.PushBack(rapidjson::Value(c.name.c_str(), a), a);
    recipe.AddMember("removed", names, a);
    recipe.AddMember("runtime_cost_before", rapidjson::Value(qtune::runtime_cost(base.setting()).label.c_str(), a), a);
    recipe.AddMember("runtime_cost_after", rapidjson::Value(qtune::runtime_cost(minimal.setting()).label.c_str(), a), a);
    doc.AddMember("minimal_recipe", recipe, a);
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    writer.SetIndent(' ', 2);
    doc.Accept(writer);
    context.run_artifacts().write_text("ablation.json", std::string(buffer.GetString()) + "\n");
  }
};

}  // namespace

QTUNE_PLUGIN("strategy", "ablation", "1.0.0",
             "drop one component of an iteration at a time, report the minimal recipe within tolerance", Ablation)
