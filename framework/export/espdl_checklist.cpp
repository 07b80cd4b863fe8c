#include "export/espdl_checklist.h"

#include <cstring>
#include <map>
#include <set>

#include <fmt/format.h>

#include "export/espdl_file.h"
#include "export/espdl_generated.h"
#include "export/espdl_model.h"
#include "qtune/error.h"

namespace qtune {
namespace {

const std::set<std::string> kConvLike = {"Conv", "Gemm", "MatMul"};
const std::set<std::string> kQuantTypes = {"S8", "S16", "F32"};
const std::set<std::string> kWeightLayouts = {
    "(N/16)HWC16", "(N/8)HWC8", "(N/16)HWC16_UNALIGNED", "(N/8)HWC8_UNALIGNED", "NHWC", "HWCN",
    "(N/16)WC16",  "(N/8)WC8",  "(N/16)WC16_UNALIGNED",  "(N/8)WC8_UNALIGNED",  "NWC",  "WCN"};

// Offsets of raw_data vectors from the payload start must be multiples of 16.
void check_alignment(std::string_view bytes, std::vector<std::string>& problems) {
  std::vector<std::uint8_t> payload(bytes.size() - kEspdlHeaderSize);
  std::memcpy(payload.data(), bytes.data() + kEspdlHeaderSize, payload.size());
  const espdl::Graph* g = espdl::GetModel(payload.data())->graph();
  auto check = [&](const auto* tensors, const char* what) {
    if (!tensors) return;
    for (const auto* t : *tensors) {
      if (!t->raw_data() || t->raw_data()->size() == 0) continue;
      const auto offset = reinterpret_cast<const std::uint8_t*>(t->raw_data()->Data()) - payload.data();
      if (offset % 16 != 0)
        problems.push_back(fmt::format("{} '{}': raw data at payload offset {}, not 16-byte aligned", what,
                                       t->name() ? t->name()->str() : std::string(), offset));
    }
  };
  check(g->initializer(), "initializer");
  check(g->test_inputs_value(), "test input");
  check(g->test_outputs_value(), "test output");
}

}  // namespace

std::vector<std::string> espdl_loader_problems(std::string_view bytes, const std::string& source) {
  std::vector<std::string> problems;
  EspdlModel model;
  try {
    model = parse_espdl(bytes, source);
  } catch (const InputError& e) {
    return {e.what()};
  }
  auto fail = [&](std::string what) { problems.push_back(std::move(what)); };
  check_alignment(bytes, problems);
  const EspdlGraph& g = model.graph;

  std::map<std::string, const EspdlTensor*> initializers;
  for (const auto& t : g.initializers) {
    initializers[t.name] = &t;
    if (t.exponents.empty()) fail(fmt::format("initializer '{}' has no exponents", t.name));
  }
  std::map<std::string, const EspdlValueInfo*> infos;
  for (const auto& v : g.value_info) {
    infos[v.name] = &v;
    if (v.exponents.empty()) fail(fmt::format("value_info '{}' has no exponents", v.name));
    if (!v.shape.empty() && v.shape[0] != 1 && v.shape.size() > 1)
      fail(fmt::format("value_info '{}' has batch {} (shape {}); ESP-DL runs batch 1", v.name, v.shape[0],
                       shape_str(Shape(v.shape.begin(), v.shape.end()))));
  }
  std::set<std::string> available;
  for (const auto& v : g.inputs) {
    available.insert(v.name);
    if (!infos.count(v.name)) fail(fmt::format("graph input '{}' has no value_info", v.name));
    if (v.exponents.empty()) fail(fmt::format("graph input '{}' has no exponents", v.name));
  }
  for (const auto& v : g.outputs)
    if (v.exponents.empty()) fail(fmt::format("graph output '{}' has no exponents", v.name));

  for (const auto& n : g.nodes) {
    const std::string where = fmt::format("node '{}' ({})", n.name, n.op_type);
    for (const auto& in : n.inputs)
      if (!in.empty() && !available.count(in) && !initializers.count(in))
        fail(fmt::format("{}: input '{}' is neither a graph input, an earlier node's output nor an initializer", where, in));
    for (const auto& out : n.outputs) {
      available.insert(out);
      if (!infos.count(out)) fail(fmt::format("{}: output '{}' has no value_info", where, out));
    }
    const auto* qt = n.attributes.has("quant_type") ? std::get_if<std::string>(&n.attributes.all().at("quant_type")) : nullptr;
    if (!qt || !kQuantTypes.count(*qt)) {
      fail(fmt::format("{}: no quant_type attribute (S8 / S16 / F32)", where));
      continue;
    }
    const bool quantized = *qt != "F32";
    if (quantized && kConvLike.count(n.op_type) && !n.attributes.has("activation"))
      fail(fmt::format("{}: quantized {} without an activation attribute", where, n.op_type));
    if (n.attributes.has("lut")) {
      const auto* lut_name = std::get_if<std::string>(&n.attributes.all().at("lut"));
      const EspdlTensor* lut = lut_name && initializers.count(*lut_name) ? initializers.at(*lut_name) : nullptr;
      const EspdlValueInfo* out = n.outputs.empty() || !infos.count(n.outputs[0]) ? nullptr : infos.at(n.outputs[0]);
      if (!lut) fail(fmt::format("{}: lut names no initializer", where));
      else if (out && lut->exponents != out->exponents)
        fail(fmt::format("{}: LUT '{}' exponents differ from the output's", where, lut->name));
    }
    if (!quantized || !kConvLike.count(n.op_type)) continue;
    // Weights and biases: layout and dtypes per quant_type.
    const EspdlDataType weight_type = *qt == "S8" ? EspdlDataType::Int8 : EspdlDataType::Int16;
    const EspdlDataType bias_type = *qt == "S8" ? EspdlDataType::Int32 : EspdlDataType::Int64;
    for (std::size_t i = 1; i < n.inputs.size(); ++i) {
      if (!initializers.count(n.inputs[i])) continue;
      const EspdlTensor& t = *initializers.at(n.inputs[i]);
      const bool bias = i == 2 && n.op_type != "MatMul";
      const EspdlDataType want = bias ? bias_type : weight_type;
      if (t.data_type != want)
        fail(fmt::format("{}: {} '{}' is {}, expected {}", where, bias ? "bias" : "weight", t.name,
                         espdl_data_type_name(t.data_type), espdl_data_type_name(want)));
      if (!bias) {
        const std::string prefix = "layout ==> ";
        const std::string layout = t.doc_string.rfind(prefix, 0) == 0 ? t.doc_string.substr(prefix.size()) : "";
        if (!kWeightLayouts.count(layout))
          fail(fmt::format("{}: weight '{}' has layout '{}', expected an ESP-DL weight layout", where, t.name, layout));
      }
    }
  }
  for (const auto& v : g.outputs)
    if (!available.count(v.name)) fail(fmt::format("graph output '{}' is produced by no node", v.name));
  return problems;
}

}  // namespace qtune
