// The .espdl container and FlatBuffer: a round trip of a model using every attribute
// type, scalars and padding; the header and Verifier checks of the reader on truncated
// and corrupted bytes; esp-ppq's own files read back.
#include "export/espdl_file.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "artifacts/atomic_file.h"
#include "export/espdl_generated.h"
#include "qtune/error.h"

namespace qtune {
namespace {

const std::filesystem::path kParity = std::filesystem::path(QTUNE_SOURCE_DIR) / "tests/fixtures/parity";

EspdlModel sample_model() {
  EspdlModel m;
  m.ir_version = 7;
  m.model_version = 3;
  m.metadata_props = {{"target", "esp32p4"}};
  EspdlGraph& g = m.graph;
  g.name = "g";
  EspdlNode conv;
  conv.name = "conv";
  conv.op_type = "Conv";
  conv.inputs = {"x", "w", "b"};
  conv.outputs = {"y"};
  conv.attributes.set("activation", std::string("Relu"));
  conv.attributes.set("group", std::int64_t{1});
  conv.attributes.set("alpha", 0.1f);
  conv.attributes.set("pads", std::vector<std::int64_t>{1, 1, 1, 1});
  conv.attributes.set("scales", std::vector<float>{0.5f, 2.0f});
  conv.attributes.set("names", std::vector<std::string>{"a", "bc"});
  conv.attributes.set("value", Tensor::from<float>({2}, {1.5f, -2.0f}));
  g.nodes.push_back(conv);
  EspdlNode opt;  // an absent optional input
  opt.name = "clip";
  opt.op_type = "Clip";
  opt.inputs = {"y", "", "s"};
  opt.outputs = {"z"};
  g.nodes.push_back(opt);
  g.initializers.push_back(EspdlTensor::from_ints("w", EspdlDataType::Int8, {3, 3, 1, 2},
                                                  {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12, 13, -14, 15, -16, 17, -128},
                                                  {-7, -8}, "layout ==> (N/16)HWC16_UNALIGNED"));
  g.initializers.push_back(EspdlTensor::from_ints("b", EspdlDataType::Int32, {2}, {-2147483648LL, 2147483647LL}, {-12, -13},
                                                  "layout ==> UNK"));
  g.initializers.push_back(EspdlTensor::from("s", Tensor(DType::Float32, Shape{}), {0}, "layout ==> UNK"));  // scalar
  g.inputs.push_back({"x", EspdlDataType::Int8, {1, 4, 4, 1}, {-5}});
  g.outputs.push_back({"z", EspdlDataType::Int16, {1, 4, 4, 2}, {-9}});
  g.value_info = {g.inputs[0], {"y", EspdlDataType::Int16, {1, 4, 4, 2}, {-9}}, g.outputs[0]};
  g.test_inputs.push_back(EspdlTensor::from_ints("x", EspdlDataType::Int8, {1, 4, 4, 1}, std::vector<std::int64_t>(16, 3), {-5}));
  g.test_outputs.push_back(EspdlTensor::from_ints("z", EspdlDataType::Int16, {1, 4, 4, 2}, std::vector<std::int64_t>(32, -300), {-9}));
  return m;
}

void expect_same_tensor(const EspdlTensor& a, const EspdlTensor& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.data_type, b.data_type) << a.name;
  EXPECT_EQ(a.dims, b.dims) << a.name;
  EXPECT_EQ(a.exponents, b.exponents) << a.name;
  EXPECT_EQ(a.doc_string, b.doc_string) << a.name;
  EXPECT_EQ(a.data, b.data) << a.name;
}

void expect_same_info(const EspdlValueInfo& a, const EspdlValueInfo& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.elem_type, b.elem_type) << a.name;
  EXPECT_EQ(a.shape, b.shape) << a.name;
  EXPECT_EQ(a.exponents, b.exponents) << a.name;
}

TEST(EspdlFile, RoundTripKeepsEverything) {
  const EspdlModel m = sample_model();
  const std::string bytes = serialize_espdl(m);
  ASSERT_GE(bytes.size(), kEspdlHeaderSize);
  EXPECT_EQ(bytes.substr(0, 4), "EDL2");
  const EspdlModel r = parse_espdl(bytes, "mem");
  EXPECT_EQ(r.ir_version, 7);
  EXPECT_EQ(r.model_version, 3);
  EXPECT_EQ(r.metadata_props, m.metadata_props);
  EXPECT_EQ(r.graph.name, "g");
  ASSERT_EQ(r.graph.nodes.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const EspdlNode &a = m.graph.nodes[i], &b = r.graph.nodes[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.op_type, b.op_type);
    EXPECT_EQ(a.inputs, b.inputs);
    EXPECT_EQ(a.outputs, b.outputs);
    ASSERT_EQ(a.attributes.all().size(), b.attributes.all().size());
    for (const auto& [k, v] : a.attributes.all()) {
      ASSERT_TRUE(b.attributes.has(k)) << k;
      EXPECT_TRUE(same_attribute(v, b.attributes.all().at(k))) << k;
    }
  }
  ASSERT_EQ(r.graph.initializers.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) expect_same_tensor(m.graph.initializers[i], r.graph.initializers[i]);
  EXPECT_EQ(r.graph.initializers[2].dims, std::vector<std::int64_t>{});  // scalar stays dims []
  expect_same_info(m.graph.inputs[0], r.graph.inputs[0]);
  expect_same_info(m.graph.outputs[0], r.graph.outputs[0]);
  ASSERT_EQ(r.graph.value_info.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) expect_same_info(m.graph.value_info[i], r.graph.value_info[i]);
  expect_same_tensor(m.graph.test_inputs[0], r.graph.test_inputs[0]);
  expect_same_tensor(m.graph.test_outputs[0], r.graph.test_outputs[0]);
  // And the bytes are stable: serializing the read model gives the same file.
  EXPECT_EQ(serialize_espdl(r), bytes);
}

TEST(EspdlFile, HeaderAndRawDataLayout) {
  const std::string bytes = serialize_espdl(sample_model());
  auto u32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
    return v;
  };
  EXPECT_EQ(u32(4), 0u);                                   // plain
  EXPECT_EQ(u32(8), bytes.size() - kEspdlHeaderSize);      // payload length, no trailing padding
  EXPECT_EQ(u32(12), 0u);
  // Raw data is padded to 16-byte chunks, each vector 16-byte aligned in the payload.
  std::vector<std::uint8_t> payload(bytes.begin() + kEspdlHeaderSize, bytes.end());
  const auto* g = espdl::GetModel(payload.data())->graph();
  const auto* w = g->initializer()->Get(0);
  EXPECT_EQ(w->raw_data()->size(), 2u);  // 18 int8 -> 32 bytes
  EXPECT_EQ((reinterpret_cast<const std::uint8_t*>(w->raw_data()->Data()) - payload.data()) % 16, 0);
  EXPECT_EQ(g->initializer()->Get(1)->raw_data()->size(), 1u);  // 2 int32 -> 16
  EXPECT_EQ(espdl::GetModel(payload.data())->opset_import()->size(), 0u);  // present and empty, as esp-ppq
}

std::string error_of(std::string_view bytes) {
  try {
    parse_espdl(bytes, "model.espdl");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(EspdlFile, ReaderRejectsTruncatedAndCorruptFiles) {
  const std::string good = serialize_espdl(sample_model());
  EXPECT_NE(error_of(good.substr(0, 10)).find("model.espdl: 10 bytes, too short for the 16-byte .espdl header"), std::string::npos);
  EXPECT_NE(error_of(good.substr(0, good.size() - 5)).find("truncated: the header announces"), std::string::npos);
  EXPECT_NE(error_of(good + std::string(3, '\0')).find("3 unexpected bytes after"), std::string::npos);
  std::string magic = good;
  magic[3] = '1';
  EXPECT_NE(error_of(magic).find("legacy 'EDL1'"), std::string::npos);
  magic[0] = 'P';
  magic[1] = 'K';
  EXPECT_NE(error_of(magic).find("not an .espdl file: starts with 'PKL1', expected 'EDL2'"), std::string::npos);
  std::string encrypted = good;
  encrypted[4] = 1;
  EXPECT_NE(error_of(encrypted).find("AES-encrypted"), std::string::npos);
  std::string pad = good;
  pad[13] = 7;
  EXPECT_NE(error_of(pad).find("bytes 12-15 must be zero"), std::string::npos);
  // A payload of garbage with a consistent header: the Verifier rejects it.
  std::string garbage = good.substr(0, kEspdlHeaderSize) + std::string(good.size() - kEspdlHeaderSize, '\xAB');
  EXPECT_NE(error_of(garbage).find("not a valid ESP-DL FlatBuffer"), std::string::npos) << error_of(garbage);
  // The root offset pointing outside the buffer.
  std::string root = good;
  root[kEspdlHeaderSize + 2] = '\x7F';
  EXPECT_NE(error_of(root).find("Verifier rejected it"), std::string::npos) << error_of(root);
  // Every single-byte corruption either still parses or is rejected with the file named;
  // none may crash.
  for (std::size_t i = kEspdlHeaderSize; i < good.size(); i += 7) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5A);
    try {
      parse_espdl(bad, "model.espdl");
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("model.espdl: ", 0), 0u) << e.what();
    }
  }
}

TEST(EspdlFile, ReaderRejectsAModelWithoutGraph) {
  flatbuffers::FlatBufferBuilder b;
  espdl::ModelBuilder mb(b);
  mb.add_ir_version(8);
  b.Finish(mb.Finish());
  std::string bytes = "EDL2";
  const auto size = static_cast<std::uint32_t>(b.GetSize());
  for (std::uint32_t v : {0u, size, 0u})
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  bytes.append(reinterpret_cast<const char*>(b.GetBufferPointer()), size);
  EXPECT_NE(error_of(bytes).find("model.espdl: Model has no graph"), std::string::npos) << error_of(bytes);
}

TEST(EspdlFile, ReadsEspPpqFiles) {
  for (const char* c : {"tiny/esp32p4", "tiny/esp32s3", "tiny_pc/esp32p4", "tiny_pc/esp32s3"}) {
    const auto path = kParity / c / "model.espdl";
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    const EspdlModel m = read_espdl_file(path);
    EXPECT_EQ(m.graph.name, "torch_jit") << c;
    EXPECT_EQ(m.graph.nodes.size(), 6u) << c;
    EXPECT_EQ(m.graph.initializers.size(), 6u) << c;
    EXPECT_EQ(m.ir_version, 7) << c;
    const EspdlTensor* w = find_initializer(m.graph, "c2.weight");
    ASSERT_TRUE(w) << c;
    EXPECT_EQ(w->data_type, EspdlDataType::Int8);
    EXPECT_EQ(w->dims, (std::vector<std::int64_t>{3, 3, 8, 16}));
    EXPECT_EQ(w->doc_string, "layout ==> (N/16)HWC16");
    // esp-ppq's bytes survive qtune's reader and writer unchanged in content.
    const EspdlModel again = parse_espdl(serialize_espdl(m), "again");
    EXPECT_EQ(again.graph.initializers.size(), 6u);
    for (std::size_t i = 0; i < 6; ++i) expect_same_tensor(m.graph.initializers[i], again.graph.initializers[i]);
  }
}

}  // namespace
}  // namespace qtune
