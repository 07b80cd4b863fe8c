#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "onnx/simplifier.h"

namespace qtune {

std::string simplified_ops_json(const Graph& graph) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartArray();
  for (const Op* op : graph.topological_order()) {
    writer.StartObject();
    writer.Key("name");
    writer.String(op->name.c_str(), static_cast<rapidjson::SizeType>(op->name.size()));
    writer.Key("type");
    writer.String(op->type.c_str(), static_cast<rapidjson::SizeType>(op->type.size()));
    writer.EndObject();
  }
  writer.EndArray();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace qtune
