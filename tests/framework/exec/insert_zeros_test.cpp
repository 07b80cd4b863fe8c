// InsertZeros against hand-worked outputs (written out here, not computed).
#include "exec_test_util.h"
#include "qtune/error.h"

namespace qtune::test {
namespace {

TEST(InsertZeros, TwoDStridesAndOutputPaddingWorkedByHand) {
  // X = [[1 2 3], [4 5 6]], stride (2, 3), output_padding (1, 0):
  // H' = 2 + 1·1 + 1 = 4, W' = 3 + 2·2 + 0 = 7.
  const Tensor x = floats({1, 1, 2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor y = run1("InsertZeros", {x}, attrs({{"stride", std::vector<std::int64_t>{2, 3}},
                                                   {"output_padding", std::vector<std::int64_t>{1, 0}}}));
  expect_close(y, floats({1, 1, 4, 7}, {1, 0, 0, 2, 0, 0, 3,  //
                                        0, 0, 0, 0, 0, 0, 0,  //
                                        4, 0, 0, 5, 0, 0, 6,  //
                                        0, 0, 0, 0, 0, 0, 0}),
               0.0f);
}

TEST(InsertZeros, BatchAndChannelsKeepTheirPlaneAndOneStrideServesEveryDim) {
  // N = 2, C = 2, 2x2 planes; stride [2] for both dims (ESP-DL broadcasts one value), no padding.
  const Tensor x = floats({2, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  const Tensor y = run1("InsertZeros", {x}, attrs({{"stride", std::vector<std::int64_t>{2}}}));
  expect_close(y, floats({2, 2, 3, 3}, {1,  0, 2,  0, 0, 0, 3,  0, 4,    //
                                        5,  0, 6,  0, 0, 0, 7,  0, 8,    //
                                        9,  0, 10, 0, 0, 0, 11, 0, 12,   //
                                        13, 0, 14, 0, 0, 0, 15, 0, 16}),
               0.0f);
}

TEST(InsertZeros, OneDAndIntegerData) {
  // [N, C, L] = [1, 2, 3], stride 3, output_padding 2: L' = 3 + 2·2 + 2 = 9. int8 moves as is.
  const Tensor x = Tensor::from<std::int8_t>({1, 2, 3}, {1, -2, 3, -4, 5, -6});
  const Tensor y = run1("InsertZeros", {x}, attrs({{"stride", std::vector<std::int64_t>{3}},
                                                   {"output_padding", std::vector<std::int64_t>{2}}}));
  ASSERT_EQ(y.dtype(), DType::Int8);
  expect_ints(y, {1, 2, 9}, {1, 0, 0, -2, 0, 0, 3, 0, 0,  //
                             -4, 0, 0, 5, 0, 0, -6, 0, 0});
}

TEST(InsertZeros, StrideOneIsACopy) {
  const Tensor x = random_tensor({1, 3, 4, 5}, 11);
  expect_close(run1("InsertZeros", {x}, attrs({{"stride", std::vector<std::int64_t>{1, 1}}})), x, 0.0f);
}

TEST(InsertZeros, BadAttributesNameTheOpAndTheAttribute) {
  const Tensor x = random_tensor({1, 1, 2, 2}, 3);
  try {
    run1("InsertZeros", {x}, attrs({}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'stride' is missing"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("the_op"), std::string::npos) << e.what();
  }
  try {
    run1("InsertZeros", {x}, attrs({{"stride", std::vector<std::int64_t>{2, 2, 2}}}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs 2 value(s)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(run1("InsertZeros", {x}, attrs({{"stride", std::vector<std::int64_t>{0, 2}}})), Error);
}

}  // namespace
}  // namespace qtune::test
