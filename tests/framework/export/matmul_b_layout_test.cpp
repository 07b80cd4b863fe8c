// A MatMul with a run-time B: the nodes the exporter inserts must turn B into exactly the
// memory a constant weight gets (weight_layout.h). The inserted chain is run through the
// float executor on a known B and compared with matmul_weight_layout(B), for int8 with N
// unaligned (20 = 16 + 4) and aligned (32), int16 (N = 12), and the C target.
#include <gtest/gtest.h>

#include "exec/graph_executor.h"
#include "export/espdl_export.h"
#include "export/weight_layout.h"
#include "framework/export/export_test_support.h"

namespace qtune {
namespace {

struct MatMulCase {
  std::int64_t n;
  std::string target;
  int bits;
};

// y = MatMul(a [1,4,3], b [1,3,n]) with both inputs computed at run time.
EspdlModel exported(const MatMulCase& c) {
  Graph g;
  g.add_variable("a", {1, 4, 3});
  g.add_variable("b", {1, 3, c.n});
  g.add_op("mm", "MatMul", {"a", "b"}, {"y"});
  g.set_inputs({"a", "b"});
  g.set_outputs({"y"});
  auto policy = TargetPolicy::from_target(c.target);
  if (c.bits == 16) policy.dispatch("mm", 16);
  quantize_graph(g, policy);
  test::set_exponents(g, {});
  return export_espdl(g, policy).model;
}

// Runs the exported nodes between input b and the MatMul's input 1 on `b`.
Tensor run_chain(const EspdlModel& m, const Tensor& b) {
  Graph g;
  g.add_variable("b", b.shape());
  for (const auto& t : m.graph.initializers) g.add_parameter(t.name, t.to_tensor());
  const EspdlNode* mm = nullptr;
  for (const auto& n : m.graph.nodes) {
    if (n.op_type == "MatMul") {
      mm = &n;
      continue;
    }
    Attributes a = n.attributes;
    a.erase("quant_type");
    if (n.op_type == "Transpose") {  // the kernel takes non-negative perms
      auto p = a.get_ints("perm");
      for (auto& v : p)
        if (v < 0) v += static_cast<std::int64_t>(p.size());
      a.set("perm", p);
    }
    g.add_op(n.name, n.op_type, n.inputs, n.outputs, a);
  }
  g.set_inputs({"b"});
  g.set_outputs({mm->inputs[1]});
  return make_executor(g)->run(std::vector<Tensor>{b}).at(0);
}

class MatMulBLayout : public testing::TestWithParam<MatMulCase> {};

TEST_P(MatMulBLayout, RunTimeBMatchesTheConstantWeightLayout) {
  const MatMulCase& c = GetParam();
  const EspdlModel m = exported(c);
  Tensor b({1, 3, c.n});
  for (std::int64_t i = 0; i < b.numel(); ++i) b.data<float>()[i] = static_cast<float>(i);
  const Tensor got = run_chain(m, b);
  const auto family = TargetPolicy::from_target(c.target).family();
  const Tensor want = matmul_weight_layout(b, family, c.bits).value;
  EXPECT_EQ(got.shape(), b.shape());
  EXPECT_EQ(got.to_float(), want.to_float());
  for (const auto& n : m.graph.nodes) EXPECT_EQ(n.attributes.get_string("quant_type"), c.bits == 16 ? "S16" : "S8") << n.name;
}

INSTANTIATE_TEST_SUITE_P(Cases, MatMulBLayout,
                         testing::Values(MatMulCase{20, "esp32p4", 8}, MatMulCase{32, "esp32p4", 8}, MatMulCase{12, "esp32s3", 16},
                                         MatMulCase{5, "esp32p4", 8}, MatMulCase{20, "c", 8}),
                         [](const testing::TestParamInfo<MatMulCase>& i) {
                           return i.param.target + "_n" + std::to_string(i.param.n) + "_int" + std::to_string(i.param.bits);
                         });

TEST(MatMulBLayout, UnalignedChainIsEspPpqs) {
  const EspdlModel m = exported({20, "esp32p4", 8});
  std::vector<std::string> types;
  for (const auto& n : m.graph.nodes) types.push_back(n.op_type);
  EXPECT_EQ(types, (std::vector<std::string>{"Transpose", "Slice", "Reshape", "Transpose", "Reshape", "Slice", "Concat",
                                             "Reshape", "MatMul"}));
  EXPECT_EQ(m.graph.nodes[0].attributes.get_ints("perm"), (std::vector<std::int64_t>{0, -1, -2}));
  EXPECT_EQ(m.graph.nodes[3].attributes.get_ints("perm"), (std::vector<std::int64_t>{0, -3, -1, -2}));
  EXPECT_EQ(m.graph.nodes[6].attributes.get_int("axis"), 1);
  // One exponent along the chain: every inserted output carries B's.
  for (std::size_t i = 0; i + 1 < m.graph.nodes.size(); ++i)
    EXPECT_EQ(find_value_info(m.graph, m.graph.nodes[i].outputs[0])->exponents, find_value_info(m.graph, "b")->exponents);
}

}  // namespace
}  // namespace qtune
