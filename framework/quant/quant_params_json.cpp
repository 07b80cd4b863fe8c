#include "quant/quant_params_json.h"

#include <set>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "quant/quantizer.h"

namespace qtune {

const char* quant_state_name(QuantState s) {
  switch (s) {
    case QuantState::Float: return "float";
    case QuantState::Initial: return "initial";
    case QuantState::Calibrated: return "calibrated";
    case QuantState::Passive: return "passive";
    case QuantState::Baked: return "baked";
    case QuantState::PassiveInit: return "passive_init";
  }
  return "unknown";
}

const char* rounding_name(Rounding r) { return r == Rounding::HalfEven ? "half_even" : "half_up"; }

namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void write_config(Writer& w, const TensorQuantConfig& c, bool overlapped) {
  w.Key("bits");
  w.Int(c.bits);
  w.Key("exponents");
  w.StartArray();
  for (int e : c.exponents) w.Int(e);
  w.EndArray();
  // Linear (non-power-of-two) configs only: the float32 scales instead of exponents.
  if (c.linear()) {
    w.Key("scales");
    w.StartArray();
    for (float s : c.scales) w.Double(static_cast<double>(s));
    w.EndArray();
  }
  w.Key("channel_axis");
  if (c.per_channel()) w.Int(c.channel_axis);
  else w.Null();
  w.Key("rounding");
  w.String(rounding_name(c.rounding));
  w.Key("state");
  w.String(quant_state_name(c.state));
  w.Key("overlapped");
  w.Bool(overlapped);
  w.Key("applied_at");
  w.String(c.applied_at.c_str());
  w.Key("algorithm");
  w.String(c.algorithm.c_str());
  w.Key("observer");
  w.String(c.observer.c_str());
  // Where an aligned config takes its exponent from (the master's applied_at).
  w.Key("aligned_to");
  if (c.master) w.String(c.master->applied_at.c_str());
  else w.Null();
}

}  // namespace

std::string quant_params_json(const Graph& graph) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("variables");
  w.StartObject();
  std::set<const Variable*> done;
  auto emit = [&](const Variable* v) {
    if (!v || !v->quant || !done.insert(v).second) return;
    w.Key(v->name.c_str());
    w.StartObject();
    bool overlapped = v->quant->applied_at != v->name && v->quant->applied_at.find('#') == std::string::npos;
    if (!v->producer || v->is_parameter) overlapped = v->quant->applied_at.find('#') == std::string::npos;
    write_config(w, *v->quant, overlapped);
    w.Key("is_parameter");
    w.Bool(v->is_parameter);
    // Consumer-side configs that differ from the variable's own (requantizations).
    bool open = false;
    for (const Op* c : v->consumers)
      for (std::size_t i = 0; i < c->inputs.size(); ++i)
        if (c->inputs[i] == v && i < c->input_quant.size() && c->input_quant[i] && c->input_quant[i] != v->quant) {
          if (!open) {
            w.Key("consumer_configs");
            w.StartArray();
            open = true;
          }
          w.StartObject();
          w.Key("op");
          w.String(c->name.c_str());
          w.Key("input");
          w.Uint(static_cast<unsigned>(i));
          write_config(w, *c->input_quant[i], c->input_quant[i]->applied_at != input_socket_id(*c, i));
          w.EndObject();
        }
    if (open) w.EndArray();
    w.EndObject();
  };
  for (const Variable* v : graph.inputs()) emit(v);
  for (const Op* op : graph.topological_order()) {
    for (const Variable* v : op->inputs) emit(v);
    for (const Variable* v : op->outputs) emit(v);
  }
  w.EndObject();
  w.EndObject();
  return buf.GetString();
}

}  // namespace qtune
