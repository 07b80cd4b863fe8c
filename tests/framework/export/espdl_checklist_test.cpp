// The loader checklist of reference §5.7 as a test: qtune's export passes it, and each
// item, broken on purpose, is reported naming the node or tensor.
#include "export/espdl_checklist.h"

#include <gtest/gtest.h>

#include "export/espdl_export.h"
#include "export/espdl_file.h"
#include "framework/export/export_test_support.h"

namespace qtune {
namespace {

// x -> Conv(w, b) -> Relu -> Sigmoid -> y, quantized for esp32p4.
EspdlModel exported() {
  Graph g;
  g.add_variable("x", {1, 2, 3, 3});
  g.add_parameter("w", Tensor::from<float>({2, 2, 1, 1}, {0.5f, 0.25f, -0.5f, 1.0f}));
  g.add_parameter("b", Tensor::from<float>({2}, {0.1f, -0.1f}));
  g.add_op("conv", "Conv", {"x", "w", "b"}, {"c"});
  g.add_op("relu", "Relu", {"c"}, {"r"});
  g.add_op("sig", "Sigmoid", {"r"}, {"y"});
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  quantize_graph(g, TargetPolicy::from_target("esp32p4"));
  test::set_exponents(g, {{"y", -7}});
  return export_espdl(g, TargetPolicy::from_target("esp32p4")).model;
}

std::vector<std::string> problems(const EspdlModel& m) { return espdl_loader_problems(serialize_espdl(m), "m.espdl"); }

bool reports(const EspdlModel& m, const std::string& text) {
  for (const auto& p : problems(m))
    if (p.find(text) != std::string::npos) return true;
  ADD_FAILURE() << "no problem mentions '" << text << "'; got " << problems(m).size() << " problems"
                << (problems(m).empty() ? "" : ": " + problems(m).front());
  return false;
}

EspdlNode& node(EspdlModel& m, const std::string& name) {
  for (auto& n : m.graph.nodes)
    if (n.name == name) return n;
  throw std::runtime_error(name);
}

TEST(EspdlChecklist, ExportPassesEveryItem) {
  const EspdlModel m = exported();
  const auto p = problems(m);
  EXPECT_TRUE(p.empty()) << p.front();
  // The items hold on the exported model itself.
  for (const auto& n : m.graph.nodes) EXPECT_TRUE(n.attributes.has("quant_type")) << n.name;
  EXPECT_TRUE(node(const_cast<EspdlModel&>(m), "conv").attributes.has("activation"));
  for (const auto& t : m.graph.initializers) EXPECT_FALSE(t.exponents.empty()) << t.name;
  for (const auto& v : m.graph.value_info) EXPECT_FALSE(v.exponents.empty()) << v.name;
}

TEST(EspdlChecklist, EachBrokenItemIsReported) {
  {
    EspdlModel m = exported();
    node(m, "sig").attributes.erase("quant_type");
    EXPECT_TRUE(reports(m, "node 'sig' (Sigmoid): no quant_type"));
  }
  {
    EspdlModel m = exported();
    node(m, "conv").attributes.erase("activation");
    EXPECT_TRUE(reports(m, "quantized Conv without an activation"));
  }
  {
    EspdlModel m = exported();
    std::swap(m.graph.nodes[0], m.graph.nodes[1]);  // Sigmoid before the Conv that feeds it
    EXPECT_TRUE(reports(m, "input 'r' is neither a graph input"));
  }
  {
    EspdlModel m = exported();
    for (auto& t : m.graph.initializers)
      if (t.name == "b") t = EspdlTensor::from_ints("b", EspdlDataType::Int64, t.dims, t.to_int64(), t.exponents, t.doc_string);
    EXPECT_TRUE(reports(m, "bias 'b' is INT64, expected INT32"));
  }
  {
    EspdlModel m = exported();
    for (auto& t : m.graph.initializers)
      if (t.name == "w") t.doc_string = "layout ==> NCHW";
    EXPECT_TRUE(reports(m, "weight 'w' has layout 'NCHW'"));
  }
  {
    EspdlModel m = exported();
    for (auto& t : m.graph.initializers) t.exponents.clear();
    EXPECT_TRUE(reports(m, "initializer 'w' has no exponents"));
  }
  {
    EspdlModel m = exported();
    std::erase_if(m.graph.value_info, [](const EspdlValueInfo& v) { return v.name == "r"; });
    EXPECT_TRUE(reports(m, "output 'r' has no value_info"));
  }
  {
    EspdlModel m = exported();
    for (auto& v : m.graph.value_info)
      if (v.name == "r") v.shape[0] = 2;
    EXPECT_TRUE(reports(m, "value_info 'r' has batch 2"));
  }
  {
    EspdlModel m = exported();
    for (auto& t : m.graph.initializers)
      if (t.name.find("_lut_") != std::string::npos) t.exponents = {-3};
    EXPECT_TRUE(reports(m, "LUT 'Sigmoid_lut_0' exponents differ"));
  }
  {
    EspdlModel m = exported();
    const std::string bytes = serialize_espdl(m);
    const auto p = espdl_loader_problems(bytes.substr(0, bytes.size() - 1), "m.espdl");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_NE(p[0].find("truncated"), std::string::npos) << p[0];
  }
}

}  // namespace
}  // namespace qtune
