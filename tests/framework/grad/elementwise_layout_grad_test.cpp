// Add / Sub / Mul / Div (with broadcasting), Concat and the element-moving ops (Reshape, Flatten,
// Squeeze, Unsqueeze, Transpose, Slice, Pad, nearest Resize, InsertZeros) backward against
// finite differences.
#include "grad_test_util.h"

namespace qtune::gradtest {
namespace {

GradCase binary(const std::string& type, Shape a, Shape b) {
  GradCase c;
  c.type = type;
  c.inputs = {uniform_tensor(a, 1), uniform_tensor(b, 2)};
  c.check = {0, 1};
  return c;
}

TEST(ElementwiseGradient, SameShapeAndBroadcast) {
  for (const char* type : {"Add", "Sub", "Mul"}) {
    SCOPED_TRACE(type);
    check_gradient(binary(type, {2, 3, 4, 4}, {2, 3, 4, 4}));
    check_gradient(binary(type, {2, 3, 4, 4}, {1, 3, 1, 1}));  // per channel (SE-style Mul)
    check_gradient(binary(type, {2, 3, 1, 1}, {2, 3, 4, 4}));  // broadcast on the left operand
    check_gradient(binary(type, {4}, {2, 3, 4}));              // lower rank
    check_gradient(binary(type, {2, 3, 4}, {}));               // scalar
  }
}

TEST(ElementwiseGradient, DivWithBroadcast) {
  for (const auto& [a, b] : std::vector<std::pair<Shape, Shape>>{{{2, 3, 4}, {2, 3, 4}}, {{2, 3, 4}, {}}, {{3, 1}, {2, 3, 4}}}) {
    GradCase c = binary("Div", a, b);
    c.inputs[1] = uniform_tensor(b, 3, 0.5f, 2.0f);  // away from 0
    check_gradient(c);
  }
}

TEST(ConcatGradient, ChannelAxisAndLastAxis) {
  GradCase c;
  c.type = "Concat";
  c.inputs = {uniform_tensor({2, 3, 4}, 1), uniform_tensor({2, 1, 4}, 2), uniform_tensor({2, 2, 4}, 3)};
  c.attributes = attrs({{"axis", std::int64_t{1}}});
  c.check = {0, 1, 2};
  check_gradient(c);
  c.inputs = {uniform_tensor({2, 3, 4}, 4), uniform_tensor({2, 3, 2}, 5)};
  c.attributes = attrs({{"axis", std::int64_t{-1}}});
  c.check = {0, 1};
  check_gradient(c);
}

GradCase layout(const std::string& type, Tensor x, std::vector<std::optional<Tensor>> rest = {}, Attributes a = {}) {
  GradCase c;
  c.type = type;
  c.inputs = {std::move(x)};
  for (auto& t : rest) c.inputs.push_back(std::move(t));
  c.attributes = std::move(a);
  c.check = {0};
  c.max_elements = 200;
  return c;
}

TEST(LayoutGradient, ReshapeFamily) {
  check_gradient(layout("Reshape", uniform_tensor({2, 3, 4}, 1), {i64({2}, {4, 6})}));
  check_gradient(layout("Flatten", uniform_tensor({2, 3, 2, 2}, 2), {}, attrs({{"axis", std::int64_t{1}}})));
  check_gradient(layout("Squeeze", uniform_tensor({2, 1, 3, 1}, 3), {i64({2}, {1, 3})}));
  check_gradient(layout("Unsqueeze", uniform_tensor({2, 3}, 4), {i64({1}, {1})}));
}

TEST(LayoutGradient, Transpose) {
  check_gradient(layout("Transpose", uniform_tensor({2, 3, 4, 5}, 5), {}, attrs({{"perm", std::vector<std::int64_t>{0, 2, 3, 1}}})));
}

TEST(LayoutGradient, SliceAndPad) {
  check_gradient(layout("Slice", uniform_tensor({2, 6, 5}, 6),
                        {i64({2}, {1, 0}), i64({2}, {5, 4}), i64({2}, {1, 2}), i64({2}, {2, 1})}));
  check_gradient(layout("Pad", uniform_tensor({1, 2, 3, 3}, 7),
                        {i64({8}, {0, 0, 1, 2, 0, 0, 2, 0}), f32({}, {0.5f})}));
}

TEST(LayoutGradient, InsertZeros) {
  // Every input element is checked (max_elements >= numel): each reaches exactly one output.
  const auto ints = [](std::vector<std::int64_t> v) { return AttrValue(std::move(v)); };
  EXPECT_EQ(check_gradient(layout("InsertZeros", uniform_tensor({2, 3, 3, 4}, 9), {},
                                  attrs({{"stride", ints({2, 3})}, {"output_padding", ints({1, 2})}}))),
            72u);
  EXPECT_EQ(check_gradient(layout("InsertZeros", uniform_tensor({1, 2, 5}, 10), {},
                                  attrs({{"stride", ints({3})}, {"output_padding", ints({1})}}))),
            10u);
}

TEST(ResizeGradient, NearestUpsampleAddsEveryCopy) {
  // 2x nearest: every input element feeds four outputs, so dX sums four weights.
  check_gradient(layout("Resize", uniform_tensor({2, 3, 3, 4}, 8),
                        {std::nullopt, f32({4}, {1.0f, 1.0f, 2.0f, 2.0f})},
                        attrs({{"mode", std::string("nearest")}})));
  // Non-integer scale with asymmetric coordinates and floor.
  check_gradient(layout("Resize", uniform_tensor({1, 2, 3, 5}, 9),
                        {std::nullopt, std::nullopt, i64({4}, {1, 2, 5, 7})},
                        attrs({{"mode", std::string("nearest")},
                               {"coordinate_transformation_mode", std::string("asymmetric")},
                               {"nearest_mode", std::string("floor")}})));
}

TEST(ResizeGradient, LinearIsReportedUnsupported) {
  Graph g;
  GradCase c = layout("Resize", uniform_tensor({1, 1, 2, 2}, 10), {std::nullopt, f32({4}, {1, 1, 2, 2})},
                      attrs({{"mode", std::string("linear")}}));
  const Op& op = make_op(g, c);
  EXPECT_NE(grad::gradient_unsupported(op).find("linear"), std::string::npos);
}

}  // namespace
}  // namespace qtune::gradtest
