#include "qtune/search/hindsight.h"

#include "qtune/search/json_util.h"
#include "qtune/search/r8_trigger.h"

namespace qtune::search {

HindsightRecord r8_hindsight(const History& rows, const SearchConstants& constants) {
  HindsightRecord record;
  const IterationRow* fusion = nullptr;
  for (const IterationRow& row : rows) {
    const JsonValue* block = object_block(row.setting(), "fusion_alignment");
    if (block != nullptr && block->MemberCount() > 0) {
      fusion = &row;
      break;
    }
  }
  if (fusion == nullptr) {
    record.skip_reason = "3c never tried (no iteration with a non-empty fusion_alignment)";
    return record;
  }
  record.fusion_iter = fusion->id;
  if (!fusion->has_finite_value()) {
    record.skip_reason = "the 3c iteration has no finite primary value";
    return record;
  }
  // The direction of the 3c iteration's own files.
  const bool max = fusion->metric_direction() == "max";
  const IterationRow* prior = nullptr;
  for (const IterationRow& row : rows) {
    if (row.id >= fusion->id || !row.has_finite_value()) continue;
    if (prior == nullptr || (max ? row.value() > prior->value() : row.value() < prior->value()) ||
        (row.value() == prior->value() && row.id < prior->id))
      prior = &row;
  }
  if (prior == nullptr) {
    record.skip_reason = "no prior best before the 3c iteration";
    return record;
  }
  record.ok = true;
  record.prior_best_iter = prior->id;
  record.helped = max ? fusion->value() > prior->value() : fusion->value() < prior->value();
  const R8Result r8 = r8_check_for_best(prior, constants);
  record.r8_fires = r8.fires;
  record.r8_reason = r8.reason;
  record.agree = record.r8_fires == record.helped;
  return record;
}

}  // namespace qtune::search
