#include <gtest/gtest.h>

#include "qtune/tensor.h"

namespace qtune {
namespace {

TEST(Tensor, ReshapeInfersOneDimension) {
  Tensor t = Tensor::from<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor r = t.reshaped({3, -1});
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  EXPECT_FLOAT_EQ(r.data<float>()[5], 6.0f);
  EXPECT_THROW(t.reshaped({4, -1}), Error);
}

TEST(Tensor, TypedAccessChecksType) {
  Tensor t(DType::Int64, {2});
  EXPECT_THROW(t.data<float>(), Error);
  EXPECT_EQ(t.data<std::int64_t>()[1], 0);
}

TEST(Tensor, CastConvertsValues) {
  Tensor t = Tensor::from<float>({3}, {1.7f, -2.2f, 3.0f});
  EXPECT_EQ(t.to_int64(), (std::vector<std::int64_t>{1, -2, 3}));
}

}  // namespace
}  // namespace qtune
