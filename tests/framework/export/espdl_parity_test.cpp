// qtune's model.espdl against esp-ppq's for the parity cases that ship one (tiny, tiny_pc;
// esp32p4 and esp32s3; tests/fixtures/parity/README.md). qtune runs its own baseline
// (import, simplify, quantize, kl calibration through the calibration plugins on the
// same calib.npy in batches of 4), then exports. Compared: every node (name, op type,
// inputs, outputs, every attribute), every initializer (type, dims, exponents, layout
// doc string, integer bytes), every value info (type, exponents, exported shape), the
// graph inputs and outputs, and the model.info text of nodes and initializer values.
// The known differences (docs/parity.md, "The .espdl export") are asserted as such.
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "artifacts/atomic_file.h"
#include "export/espdl_checklist.h"
#include "export/espdl_export.h"
#include "export/espdl_file.h"
#include "framework/quant/plugin_calibration.h"
#include "onnx/onnx_import.h"
#include "onnx/onnx_ir_version.h"
#include "onnx/simplifier.h"
#include "qtune/npy.h"
#include "quant/quantizer.h"

namespace qtune {
namespace {

const std::filesystem::path kParity = std::filesystem::path(QTUNE_SOURCE_DIR) / "tests/fixtures/parity";

struct Case {
  std::string name, target;
};

std::string case_name(const testing::TestParamInfo<Case>& i) { return i.param.name + "_" + i.param.target; }

// qtune's baseline for a parity case: the esp-ppq run's calibration, through the plugins.
Graph baseline(const Case& c) {
  Graph g = import_onnx(kParity / c.name / (c.name + ".onnx"));
  simplify(g);
  quantize_graph(g, TargetPolicy::from_target(c.target));
  test::calibrate_with_plugins(g, test::batches_of(read_npy(kParity / c.name / "calib.npy"), 4));
  return g;
}

// The "initializers value" blocks and node lines of a model.info text.
std::map<std::string, std::string> info_blocks(const std::string& text) {
  std::map<std::string, std::string> blocks;
  std::istringstream in(text);
  std::string line, section, current;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.ends_with(":") && line.find(' ') != std::string::npos && line.front() != ' ' && line.front() != '%') {
      section = line;
      current.clear();
      continue;
    }
    if (line.rfind("  %", 0) == 0 && line.find(" = ") != std::string::npos) blocks["node " + line] = line;
    if (section == "initializers value:") {
      if (line.rfind('%', 0) == 0) current = line.substr(0, line.find(','));
      if (!current.empty()) blocks["init " + current] += line + "\n";
    }
  }
  return blocks;
}

class EspdlParity : public testing::TestWithParam<Case> {};

TEST_P(EspdlParity, SameNodesAttributesExponentsAndIntegersAsEspPpq) {
  const Case& c = GetParam();
  const EspdlModel ref = read_espdl_file(kParity / c.name / c.target / "model.espdl");
  const Graph g = baseline(c);
  EspdlExportOptions options;
  options.ir_version = static_cast<std::int32_t>(onnx_ir_version(kParity / c.name / (c.name + ".onnx")).value_or(8));
  const EspdlExport ours = export_espdl(g, TargetPolicy::from_target(c.target), options);
  const EspdlModel& m = ours.model;
  EXPECT_TRUE(ours.warnings.empty()) << ours.warnings.front();
  EXPECT_EQ(m.ir_version, ref.ir_version);
  EXPECT_EQ(m.graph.name, ref.graph.name);

  // Nodes, in order.
  ASSERT_EQ(m.graph.nodes.size(), ref.graph.nodes.size());
  for (std::size_t i = 0; i < m.graph.nodes.size(); ++i) {
    const EspdlNode &a = m.graph.nodes[i], &b = ref.graph.nodes[i];
    SCOPED_TRACE(b.name);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.op_type, b.op_type);
    EXPECT_EQ(a.inputs, b.inputs);
    EXPECT_EQ(a.outputs, b.outputs);
    std::set<std::string> keys;
    for (const auto& [k, v] : a.attributes.all()) keys.insert(k);
    for (const auto& [k, v] : b.attributes.all()) keys.insert(k);
    for (const auto& k : keys) {
      ASSERT_TRUE(a.attributes.has(k)) << "qtune lacks attribute " << k;
      ASSERT_TRUE(b.attributes.has(k)) << "esp-ppq lacks attribute " << k;
      EXPECT_TRUE(same_attribute(a.attributes.all().at(k), b.attributes.all().at(k))) << "attribute " << k;
    }
  }
  // Initializers: the same set (esp-ppq lists them in its dict order), each identical.
  ASSERT_EQ(m.graph.initializers.size(), ref.graph.initializers.size());
  for (const EspdlTensor& b : ref.graph.initializers) {
    SCOPED_TRACE(b.name);
    const EspdlTensor* a = find_initializer(m.graph, b.name);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->data_type, b.data_type);
    EXPECT_EQ(a->dims, b.dims);
    EXPECT_EQ(a->exponents, b.exponents);
    EXPECT_EQ(a->doc_string, b.doc_string);
    EXPECT_EQ(a->to_int64(), b.to_int64());
  }
  // Value infos: same set, type and exponents; shapes equal but for esp-ppq's inserted
  // Transpose output, whose shape it computes from the pre-layout shape (docs/parity.md).
  ASSERT_EQ(m.graph.value_info.size(), ref.graph.value_info.size());
  for (const EspdlValueInfo& b : ref.graph.value_info) {
    SCOPED_TRACE(b.name);
    const EspdlValueInfo* a = find_value_info(m.graph, b.name);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->elem_type, b.elem_type);
    EXPECT_EQ(a->exponents, b.exponents);
    if (b.name == "PPQ_Variable_0") {
      EXPECT_EQ(b.shape, (std::vector<std::int64_t>{1, 1, 16, 1}));  // esp-ppq: [1,16,1,1] permuted once more
      EXPECT_EQ(a->shape, (std::vector<std::int64_t>{1, 16, 1, 1}));  // the Transpose's true output
    } else {
      EXPECT_EQ(a->shape, b.shape);
    }
  }
  ASSERT_EQ(m.graph.inputs.size(), ref.graph.inputs.size());
  EXPECT_EQ(m.graph.inputs[0].shape, ref.graph.inputs[0].shape);
  EXPECT_EQ(m.graph.inputs[0].exponents, ref.graph.inputs[0].exponents);
  EXPECT_EQ(m.graph.outputs[0].name, ref.graph.outputs[0].name);
  EXPECT_EQ(m.graph.outputs[0].exponents, ref.graph.outputs[0].exponents);

  // model.info: node lines and initializer value blocks are the same text as esp-ppq's.
  const auto mine = info_blocks(ours.info);
  const auto theirs = info_blocks(read_file(kParity / c.name / c.target / "model.info"));
  EXPECT_EQ(mine.size(), theirs.size());
  for (const auto& [key, text] : theirs) {
    auto it = mine.find(key);
    ASSERT_NE(it, mine.end()) << key;
    EXPECT_EQ(it->second, text) << key;
  }
  // Both files pass the loader checklist.
  EXPECT_TRUE(espdl_loader_problems(serialize_espdl(m), "qtune").empty());
  const std::string ref_bytes = read_file(kParity / c.name / c.target / "model.espdl");
  const auto ref_problems = espdl_loader_problems(ref_bytes, "esp-ppq");
  EXPECT_TRUE(ref_problems.empty()) << ref_problems.front();
}

INSTANTIATE_TEST_SUITE_P(Fixtures, EspdlParity,
                         testing::Values(Case{"tiny", "esp32p4"}, Case{"tiny_pc", "esp32p4"}, Case{"tiny", "esp32s3"},
                                         Case{"tiny_pc", "esp32s3"}),
                         case_name);

}  // namespace
}  // namespace qtune
