#include "export/espdl_flatbuffer.h"

#include <array>
#include <cstring>

#include <fmt/format.h>

#include "export/espdl_generated.h"
#include "qtune/error.h"

namespace qtune {
namespace {

namespace fb = ::flatbuffers;
using Builder = fb::FlatBufferBuilder;
constexpr std::size_t kRawChunk = 16;  // bytes per AlignedBytes

// ---- encode ---------------------------------------------------------------------------

fb::Offset<espdl::Tensor> encode_tensor(Builder& b, const EspdlTensor& t) {
  const std::size_t size = espdl_data_type_size(t.data_type);
  if (size == 0) throw Error(fmt::format("tensor '{}': element type {} cannot be stored as raw data", t.name, espdl_data_type_name(t.data_type)));
  if (t.data.size() != static_cast<std::size_t>(t.numel()) * size)
    throw Error(fmt::format("tensor '{}': {} data bytes for {} elements of {}", t.name, t.data.size(), t.numel(),
                            espdl_data_type_name(t.data_type)));
  // Raw data zero padded to a multiple of 16 bytes, as esp-ppq's make_tensor does.
  std::vector<espdl::AlignedBytes> chunks((t.data.size() + kRawChunk - 1) / kRawChunk);
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    std::array<std::uint8_t, kRawChunk> bytes{};
    const std::size_t n = std::min(kRawChunk, t.data.size() - c * kRawChunk);
    std::memcpy(bytes.data(), t.data.data() + c * kRawChunk, n);
    chunks[c] = espdl::AlignedBytes(fb::span<const std::uint8_t, kRawChunk>(bytes));
  }
  auto raw = b.CreateVectorOfStructs(chunks.data(), chunks.size());
  auto name = b.CreateString(t.name);
  auto doc = t.doc_string.empty() ? fb::Offset<fb::String>() : b.CreateString(t.doc_string);
  auto dims = b.CreateVector(t.dims);
  auto exponents = b.CreateVector(t.exponents);
  espdl::TensorBuilder tb(b);
  tb.add_data_type(static_cast<espdl::TensorDataType>(t.data_type));
  tb.add_name(name);
  if (!t.doc_string.empty()) tb.add_doc_string(doc);
  tb.add_raw_data(raw);
  tb.add_dims(dims);
  tb.add_exponents(exponents);
  return tb.Finish();
}

fb::Offset<espdl::Attribute> encode_attribute(Builder& b, const std::string& key, const AttrValue& value) {
  auto name = b.CreateString(key);
  return std::visit(
      [&](const auto& v) -> fb::Offset<espdl::Attribute> {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::int64_t>) {
          espdl::AttributeI i(v);
          espdl::AttributeBuilder ab(b);
          ab.add_name(name);
          ab.add_i(&i);
          ab.add_attr_type(espdl::AttributeType::INT);
          return ab.Finish();
        } else if constexpr (std::is_same_v<T, float>) {
          espdl::AttributeF f(v);
          espdl::AttributeBuilder ab(b);
          ab.add_name(name);
          ab.add_f(&f);
          ab.add_attr_type(espdl::AttributeType::FLOAT);
          return ab.Finish();
        } else if constexpr (std::is_same_v<T, std::string>) {
          auto s = b.CreateVector(reinterpret_cast<const std::uint8_t*>(v.data()), v.size());
          espdl::AttributeBuilder ab(b);
          ab.add_name(name);
          ab.add_s(s);
          ab.add_attr_type(espdl::AttributeType::STRING);
          return ab.Finish();
        } else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
          auto ints = b.CreateVector(v);
          espdl::AttributeBuilder ab(b);
          ab.add_name(name);
          ab.add_ints(ints);
          ab.add_attr_type(espdl::AttributeType::INTS);
          return ab.Finish();
        } else if constexpr (std::is_same_v<T, std::vector<float>>) {
          auto floats = b.CreateVector(v);
          espdl::AttributeBuilder ab(b);
          ab.add_name(name);
          ab.add_floats(floats);
          ab.add_attr_type(espdl::AttributeType::FLOATS);
          return ab.Finish();
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          auto strings = b.CreateVectorOfStrings(v);
          espdl::AttributeBuilder ab(b);
          ab.add_name(name);
          ab.add_strings(strings);
          ab.add_attr_type(espdl::AttributeType::STRINGS);
          return ab.Finish();
        } else {
          static_assert(std::is_same_v<T, Tensor>);
          auto t = encode_tensor(b, EspdlTensor::from(key, v, {0}));
          espdl::AttributeBuilder ab(b);
          ab.add_name(name);
          ab.add_t(t);
          ab.add_attr_type(espdl::AttributeType::TENSOR);
          return ab.Finish();
        }
      },
      value);
}

fb::Offset<espdl::Node> encode_node(Builder& b, const EspdlNode& n) {
  auto op_type = b.CreateString(n.op_type);
  auto inputs = b.CreateVectorOfStrings(n.inputs);
  auto outputs = b.CreateVectorOfStrings(n.outputs);
  auto name = n.name.empty() ? fb::Offset<fb::String>() : b.CreateString(n.name);
  std::vector<fb::Offset<espdl::Attribute>> attrs;
  for (const auto& [key, value] : n.attributes.all()) attrs.push_back(encode_attribute(b, key, value));
  auto attributes = attrs.empty() ? fb::Offset<fb::Vector<fb::Offset<espdl::Attribute>>>() : b.CreateVector(attrs);
  espdl::NodeBuilder nb(b);
  nb.add_op_type(op_type);
  nb.add_input(inputs);
  nb.add_output(outputs);
  if (!n.name.empty()) nb.add_name(name);
  if (!attrs.empty()) nb.add_attribute(attributes);
  return nb.Finish();
}

fb::Offset<espdl::ValueInfo> encode_value_info(Builder& b, const EspdlValueInfo& v) {
  auto name = b.CreateString(v.name);
  std::vector<fb::Offset<espdl::Dimension>> dims;
  for (std::int64_t d : v.shape) {
    auto value = espdl::CreateDimensionValue(b, espdl::DimensionValueType::VALUE, d);
    dims.push_back(espdl::CreateDimension(b, value));
  }
  auto shape = espdl::CreateTensorShape(b, b.CreateVector(dims));
  auto tensor_type = espdl::CreateTensorTypeAndShape(b, static_cast<espdl::TensorDataType>(v.elem_type), shape);
  auto type = espdl::CreateTypeInfo(b, espdl::TypeInfoValue::tensor_type, tensor_type.Union());
  auto exponents = b.CreateVector(v.exponents);
  espdl::ValueInfoBuilder vb(b);
  vb.add_name(name);
  vb.add_value_info_type(type);
  vb.add_exponents(exponents);
  return vb.Finish();
}

template <class T, class F>
auto encode_all(Builder& b, const std::vector<T>& items, F&& one) {
  std::vector<decltype(one(b, items.front()))> out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(one(b, item));
  return b.CreateVector(out);
}

// ---- decode ---------------------------------------------------------------------------

std::string str(const fb::String* s) { return s ? s->str() : std::string(); }

template <class T>
std::vector<T> vec(const fb::Vector<T>* v) {
  return v ? std::vector<T>(v->begin(), v->end()) : std::vector<T>();
}

class Decoder {
 public:
  explicit Decoder(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& what) const { throw InputError(fmt::format("{}: {}", source_, what)); }

  EspdlTensor tensor(const espdl::Tensor* t, const std::string& where) const {
    if (!t) fail(fmt::format("{}: null tensor", where));
    EspdlTensor out;
    out.name = str(t->name());
    const std::string what = fmt::format("{} '{}'", where, out.name);
    const auto type = static_cast<std::int32_t>(t->data_type());
    if (!espdl_data_type_known(type)) fail(fmt::format("{}: unknown data_type {}", what, type));
    out.data_type = static_cast<EspdlDataType>(type);
    out.dims = vec(t->dims());
    std::int64_t numel = 1;
    for (std::int64_t d : out.dims) {
      if (d < 0) fail(fmt::format("{}: negative dimension {} in dims", what, d));
      if (__builtin_mul_overflow(numel, d, &numel) || numel > (std::int64_t{1} << 40))
        fail(fmt::format("{}: dims {} describe an impossibly large tensor", what, shape_str(Shape(out.dims.begin(), out.dims.end()))));
    }
    out.exponents = vec(t->exponents());
    out.doc_string = str(t->doc_string());
    const std::size_t size = espdl_data_type_size(out.data_type);
    if (size == 0) fail(fmt::format("{}: data_type {} holds no raw data", what, espdl_data_type_name(out.data_type)));
    const std::size_t need = static_cast<std::size_t>(out.numel()) * size;
    if (const auto* raw = t->raw_data()) {
      const std::size_t have = raw->size() * kRawChunk;
      if (have < need)
        fail(fmt::format("{}: raw_data holds {} bytes, shape {} of {} needs {}", what, have, shape_str(Shape(out.dims.begin(), out.dims.end())),
                         espdl_data_type_name(out.data_type), need));
      if (have - need >= kRawChunk) fail(fmt::format("{}: raw_data holds {} bytes, more than {} padded to 16", what, have, need));
      out.data.resize(need);
      for (std::size_t c = 0; c < raw->size() && c * kRawChunk < need; ++c)
        std::memcpy(out.data.data() + c * kRawChunk, raw->Get(static_cast<fb::uoffset_t>(c))->bytes()->Data(),
                    std::min(kRawChunk, need - c * kRawChunk));
    } else {
      // Typed arrays (esp-ppq uses them only for empty tensors).
      auto take = [&](const auto* v, std::size_t elem) {
        if (!v) return false;
        if (v->size() * elem != need) fail(fmt::format("{}: {} typed values for {} bytes", what, v->size(), need));
        out.data.resize(need);
        if (need) std::memcpy(out.data.data(), v->Data(), need);
        return true;
      };
      if (!take(t->float_data(), 4) && !take(t->int32_data(), 4) && !take(t->int64_data(), 8) && need != 0)
        fail(fmt::format("{}: no data (raw_data absent)", what));
    }
    return out;
  }

  AttrValue attribute(const espdl::Attribute* a, const std::string& node) const {
    const std::string what = fmt::format("node '{}' attribute '{}'", node, str(a->name()));
    switch (a->attr_type()) {
      case espdl::AttributeType::INT:
        if (!a->i()) fail(what + ": type INT without i");
        return a->i()->i();
      case espdl::AttributeType::FLOAT:
        if (!a->f()) fail(what + ": type FLOAT without f");
        return a->f()->f();
      case espdl::AttributeType::STRING: {
        const auto* s = a->s();
        return s ? std::string(reinterpret_cast<const char*>(s->data()), s->size()) : std::string();
      }
      case espdl::AttributeType::INTS: return vec(a->ints());
      case espdl::AttributeType::FLOATS: return vec(a->floats());
      case espdl::AttributeType::STRINGS: {
        std::vector<std::string> out;
        if (a->strings())
          for (const auto* s : *a->strings()) out.push_back(str(s));
        return out;
      }
      case espdl::AttributeType::TENSOR: {
        const EspdlTensor t = tensor(a->t(), what);
        try {
          return t.to_tensor();
        } catch (const InputError& e) {
          fail(fmt::format("{}: {}", what, e.what()));
        }
      }
      default: break;
    }
    fail(fmt::format("{}: attribute type {} is not supported", what, static_cast<int>(a->attr_type())));
  }

  EspdlValueInfo value_info(const espdl::ValueInfo* v, const std::string& where) const {
    EspdlValueInfo out;
    out.name = str(v->name());
    const std::string what = fmt::format("{} '{}'", where, out.name);
    if (out.name.empty()) fail(where + ": value info without a name");
    out.exponents = vec(v->exponents());
    const auto* type = v->value_info_type();
    if (!type) fail(what + ": no value_info_type");
    const auto* tt = type->value_as_tensor_type();
    if (!tt) fail(what + ": value_info_type is not a tensor_type");
    const auto elem = static_cast<std::int32_t>(tt->elem_type());
    if (!espdl_data_type_known(elem)) fail(fmt::format("{}: unknown elem_type {}", what, elem));
    out.elem_type = static_cast<EspdlDataType>(elem);
    if (const auto* shape = tt->shape(); shape && shape->dim())
      for (const auto* d : *shape->dim()) {
        if (!d->value() || d->value()->dim_type() != espdl::DimensionValueType::VALUE)
          fail(what + ": a dimension without a value (symbolic or unknown dims are not deployable)");
        out.shape.push_back(d->value()->dim_value());
      }
    return out;
  }

 private:
  std::string source_;
};

}  // namespace

std::string encode_espdl_flatbuffer(const EspdlModel& model) {
  Builder b(1 << 16);
  const EspdlGraph& g = model.graph;
  // Children before parents (FlatBuffers builds bottom-up).
  auto initializers = encode_all(b, g.initializers, encode_tensor);
  auto value_info = encode_all(b, g.value_info, encode_value_info);
  auto test_inputs = encode_all(b, g.test_inputs, encode_tensor);
  auto test_outputs = encode_all(b, g.test_outputs, encode_tensor);
  auto nodes = encode_all(b, g.nodes, encode_node);
  auto inputs = encode_all(b, g.inputs, encode_value_info);
  auto outputs = encode_all(b, g.outputs, encode_value_info);
  auto name = b.CreateString(g.name);
  espdl::GraphBuilder gb(b);
  gb.add_initializer(initializers);
  gb.add_value_info(value_info);
  gb.add_test_inputs_value(test_inputs);
  gb.add_test_outputs_value(test_outputs);
  gb.add_node(nodes);
  gb.add_name(name);
  gb.add_input(inputs);
  gb.add_output(outputs);
  auto graph = gb.Finish();

  auto opset_import = b.CreateVector(std::vector<fb::Offset<espdl::OperatorSetId>>{});  // always present, empty
  std::vector<fb::Offset<espdl::StringStringEntry>> props;
  for (const auto& [k, v] : model.metadata_props)
    props.push_back(espdl::CreateStringStringEntry(b, b.CreateString(k), b.CreateString(v)));
  auto metadata = props.empty() ? fb::Offset<fb::Vector<fb::Offset<espdl::StringStringEntry>>>() : b.CreateVector(props);
  espdl::ModelBuilder mb(b);
  mb.add_graph(graph);
  mb.add_opset_import(opset_import);
  mb.add_ir_version(model.ir_version);
  mb.add_model_version(model.model_version);
  if (!props.empty()) mb.add_metadata_props(metadata);
  b.Finish(mb.Finish());
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

EspdlModel decode_espdl_flatbuffer(std::span<const std::uint8_t> payload, const std::string& source) {
  const Decoder d(source);
  fb::Verifier verifier(payload.data(), payload.size());
  if (!espdl::VerifyModelBuffer(verifier))
    d.fail(fmt::format("the {}-byte payload is not a valid ESP-DL FlatBuffer (flatbuffers::Verifier rejected it: "
                       "truncated or corrupt)",
                       payload.size()));
  const espdl::Model* m = espdl::GetModel(payload.data());
  EspdlModel out;
  out.ir_version = m->ir_version();
  out.model_version = m->model_version();
  if (m->metadata_props())
    for (const auto* p : *m->metadata_props()) out.metadata_props.emplace_back(str(p->key()), str(p->value()));
  const espdl::Graph* g = m->graph();
  if (!g) d.fail("Model has no graph");
  EspdlGraph& graph = out.graph;
  graph.name = str(g->name());
  if (g->node())
    for (fb::uoffset_t i = 0; i < g->node()->size(); ++i) {
      const espdl::Node* n = g->node()->Get(i);
      EspdlNode node;
      node.name = str(n->name());
      if (!n->op_type() || n->op_type()->size() == 0) d.fail(fmt::format("node {} ('{}') has no op_type", i, node.name));
      node.op_type = str(n->op_type());
      if (n->input())
        for (const auto* s : *n->input()) node.inputs.push_back(str(s));
      if (n->output())
        for (const auto* s : *n->output()) node.outputs.push_back(str(s));
      if (n->attribute())
        for (const auto* a : *n->attribute()) {
          const std::string key = str(a->name());
          if (key.empty()) d.fail(fmt::format("node '{}' has an attribute without a name", node.name));
          if (node.attributes.has(key)) d.fail(fmt::format("node '{}' has attribute '{}' twice", node.name, key));
          node.attributes.set(key, d.attribute(a, node.name));
        }
      graph.nodes.push_back(std::move(node));
    }
  auto tensors = [&](const auto* v, std::vector<EspdlTensor>& into, const char* where) {
    if (v)
      for (const auto* t : *v) into.push_back(d.tensor(t, where));
  };
  tensors(g->initializer(), graph.initializers, "initializer");
  tensors(g->test_inputs_value(), graph.test_inputs, "test input");
  tensors(g->test_outputs_value(), graph.test_outputs, "test output");
  auto infos = [&](const auto* v, std::vector<EspdlValueInfo>& into, const char* where) {
    if (v)
      for (const auto* i : *v) into.push_back(d.value_info(i, where));
  };
  infos(g->input(), graph.inputs, "graph input");
  infos(g->output(), graph.outputs, "graph output");
  infos(g->value_info(), graph.value_info, "value_info");
  return out;
}

}  // namespace qtune
