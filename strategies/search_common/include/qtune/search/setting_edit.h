#pragma once
// Building the next setting.json from the best one: deep-merge a lever's snippet onto a
// copy, and recognise a setting that already ran (the strategy never proposes it twice).
#include <memory>
#include <string>

#include <rapidjson/document.h>

#include "qtune/history.h"

namespace qtune::search {

using Document = rapidjson::Document;

// A copy of `setting` (best's setting.json) without iteration_id and rationale.
std::shared_ptr<Document> copy_setting(const rapidjson::Value& setting);
// Objects merge key by key (recursively); any other value replaces.
void deep_merge(rapidjson::Value& target, const rapidjson::Value& snippet, Document::AllocatorType& allocator);
// The setting text with `rationale` first (iteration_id is set by the caller).
std::string setting_text(const Document& setting, const std::string& rationale);
// The id of an iteration whose setting asks for the same thing (iteration_id and
// rationale aside; a pass block with "enabled": false equals an absent one), or -1.
int already_run(const History& rows, const rapidjson::Value& setting);
// Which passes a setting turns on (for messages): "tqt_optimization, bias_correct, int16x2".
std::string enabled_summary(const rapidjson::Value& setting);

}  // namespace qtune::search
