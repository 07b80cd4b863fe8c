#include "qtune/search/json_util.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>

#include "qtune/history.h"

namespace qtune::search {
namespace {

bool is_number_like(const JsonValue& v) { return v.IsNumber() || v.IsBool(); }

}  // namespace

bool python_equals(const JsonValue* a, const JsonValue* b) {
  const bool a_none = a == nullptr || a->IsNull();
  const bool b_none = b == nullptr || b->IsNull();
  if (a_none || b_none) return a_none && b_none;
  if (is_number_like(*a) && is_number_like(*b)) {
    if (a->IsInt64() && b->IsInt64()) return a->GetInt64() == b->GetInt64();
    return json_number(*a) == json_number(*b);
  }
  if (a->IsString() && b->IsString())
    return a->GetStringLength() == b->GetStringLength() &&
           std::equal(a->GetString(), a->GetString() + a->GetStringLength(), b->GetString());
  if (a->IsArray() && b->IsArray()) {
    if (a->Size() != b->Size()) return false;
    for (rapidjson::SizeType i = 0; i < a->Size(); ++i)
      if (!python_equals(&(*a)[i], &(*b)[i])) return false;
    return true;
  }
  if (a->IsObject() && b->IsObject()) {
    if (a->MemberCount() != b->MemberCount()) return false;
    for (const auto& m : a->GetObject()) {
      const auto it = b->FindMember(m.name);
      if (it == b->MemberEnd() || !python_equals(&m.value, &it->value)) return false;
    }
    return true;
  }
  return false;
}

const JsonValue* object_block(const JsonValue& setting, const char* key) {
  const JsonValue* block = json_member(&setting, key);
  return block != nullptr && block->IsObject() ? block : nullptr;
}

bool block_enabled(const JsonValue& setting, const char* key) {
  return json_truthy(json_member(object_block(setting, key), "enabled"));
}

bool number_or_default_is(const JsonValue* block, const char* key, double absent_default, double number) {
  const JsonValue* v = json_member(block, key);
  if (v == nullptr) return absent_default == number;
  return json_equals_number(v, number);
}

bool explicit_number_is(const JsonValue* block, const char* key, double number) {
  const JsonValue* v = json_member(block, key);
  return v != nullptr && json_equals_number(v, number);
}

std::string calib_raw(const JsonValue& setting) {
  const JsonValue* v = json_member(&setting, "calib_algorithm");
  return json_truthy(v) ? python_str(v) : std::string("kl");
}

std::string ascii_lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string calib_lower(const JsonValue& setting) { return ascii_lower(calib_raw(setting)); }

JsonValue json_copy(const JsonValue& value, JsonAllocator& allocator) { return JsonValue(value, allocator); }

JsonValue json_string(const std::string& text, JsonAllocator& allocator) {
  return JsonValue(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), allocator);
}

std::string compact_json(const JsonValue& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::CrtAllocator,
                    rapidjson::kWriteNanAndInfFlag>
      writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace qtune::search
