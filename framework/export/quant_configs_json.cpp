#include "export/quant_configs_json.h"

#include <cmath>
#include <initializer_list>
#include <map>
#include <utility>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "qtune/quant_graph.h"

namespace qtune {
namespace {

struct Socket {
  const Op* op;
  const Variable* var;
  QuantSlot config;
  bool applied;
};

const char* state_name(const TensorQuantConfig& c, bool applied) {
  switch (c.state) {
    case QuantState::Float: return "FP32";
    case QuantState::Initial: return applied ? "INITIAL" : "OVERLAPPED";
    case QuantState::PassiveInit: return "PASSIVE_INIT";
    case QuantState::Baked: return applied ? "BAKED" : "OVERLAPPED";
    case QuantState::Calibrated: return applied ? "ACTIVATED" : "OVERLAPPED";
    case QuantState::Passive: return applied ? "PASSIVE" : "OVERLAPPED";
  }
  return "INITIAL";
}

}  // namespace

const char* platform_name(const TargetPolicy& policy, int bits) {
  if (bits == 0) return "FP32";
  switch (policy.platform(bits)) {
    case EspdlPlatform::Int8: return "ESPDL_INT8";
    case EspdlPlatform::Int16: return "ESPDL_INT16";
    case EspdlPlatform::S3Int8: return "ESPDL_S3_INT8";
    case EspdlPlatform::S3Int16: return "ESPDL_S3_INT16";
    case EspdlPlatform::HPreInt16: return "ESPDL_H_PRE_INT16";
    case EspdlPlatform::S3HPreInt16: return "ESPDL_S3_H_PRE_INT16";
    case EspdlPlatform::CInt8: return "ESPDL_C_INT8";
    case EspdlPlatform::CInt16: return "ESPDL_C_INT16";
    case EspdlPlatform::CHPreInt16: return "ESPDL_C_H_PRE_INT16";
    case EspdlPlatform::Fp32: return "FP32";
  }
  return "FP32";
}

std::string quant_configs_json(const ExportGraph& eg) {
  const std::vector<Op*> order = eg.graph.topological_order();
  std::vector<std::vector<Socket>> per_op;
  std::map<const TensorQuantConfig*, std::size_t> dominator;  // config -> socket hash
  std::size_t next = 0;
  for (const Op* op : order) {
    std::vector<Socket> sockets;
    if (op_quant_bits(*op) && !is_quant_op_type(op->type)) {
      for (std::size_t i = 0; i < op->inputs.size(); ++i)
        if (op->inputs[i] && input_config(*op, i))
          sockets.push_back({op, op->inputs[i], input_config(*op, i), input_config(*op, i)->applied_at == input_socket_id(*op, i)});
      for (const Variable* o : op->outputs)
        if (o->quant) sockets.push_back({op, o, o->quant, o->quant->applied_at == o->name});
    }
    for (const Socket& s : sockets) {
      const std::size_t hash = next++;
      if (s.applied || !dominator.count(s.config.get())) dominator[s.config.get()] = hash;
    }
    per_op.push_back(std::move(sockets));
  }

  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 4);
  w.StartObject();
  w.Key("configs");
  w.StartObject();
  std::size_t hash = 0;
  std::map<std::size_t, const TensorQuantConfig*> values;
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (per_op[k].empty()) continue;
    w.Key(order[k]->name.c_str());
    w.StartObject();
    for (const Socket& s : per_op[k]) {
      const TensorQuantConfig& c = *s.config;
      const std::size_t own = hash++;
      const std::size_t dom = dominator.at(&c);
      w.Key(s.var->name.c_str());
      w.StartObject();
      w.Key("bit_width");
      w.Int(c.bits);
      w.Key("policy");
      w.StartObject();
      for (auto [key, on] : std::initializer_list<std::pair<const char*, bool>>{{"PER_TENSOR", !c.per_channel()}, {"PER_CHANNEL", c.per_channel()}, {"LINEAR", true},
                             {"FLOATING", false}, {"SYMMETRICAL", true}, {"ASYMMETRICAL", false}, {"POWER_OF_2", true},
                             {"DYNAMIC", false}}) {
        w.Key(key);
        w.Bool(on);
      }
      w.EndObject();
      w.Key("state");
      w.String(state_name(c, own == dom));
      w.Key("quant_min");
      w.Int64(c.quant_min);
      w.Key("quant_max");
      w.Int64(c.quant_max);
      w.Key("rounding");
      w.String(c.rounding == Rounding::HalfEven ? "ROUND_HALF_EVEN" : "ROUND_HALF_UP");
      w.Key("hash");
      w.Uint64(own);
      w.Key("dominator");
      w.Uint64(dom);
      w.EndObject();
      if (own == dom && c.state != QuantState::Float && !c.exponents.empty()) values[own] = &c;
    }
    w.EndObject();
  }
  w.EndObject();
  w.Key("dispatchings");
  w.StartObject();
  for (const Op* op : order)
    if (op_quant_bits(*op) && !is_quant_op_type(op->type)) {
      w.Key(op->name.c_str());
      w.String(platform_name(eg.policy, op_quant_bits(*op)));
    }
  w.EndObject();
  w.Key("values");
  w.StartObject();
  for (const auto& [h, c] : values) {
    w.Key(std::to_string(h).c_str());
    w.StartObject();
    auto list = [&](const char* key, auto&& value_of) {
      w.Key(key);
      if (!c->per_channel()) return value_of(c->exponents[0]);
      w.StartArray();
      for (int e : c->exponents) value_of(e);
      w.EndArray();
    };
    list("scale", [&](int e) { w.Double(std::ldexp(1.0, e)); });
    list("zero_point", [&](int) { w.Int(0); });
    list("exponent", [&](int e) { w.Int(e); });
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString()) + "\n";
}

}  // namespace qtune
