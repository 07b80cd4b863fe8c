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

namespace qtune {
namespace {

// Alignment is part of determinism: Eigen reductions start at the first aligned packet,
// so a storage address that varied mod 64 would vary the summation order between runs.
TEST(Tensor, StorageIs64ByteAlignedIncludingCopies) {
  for (std::int64_t n : {1, 7, 49, 1000}) {
    Tensor t(DType::Float32, {n});
    Tensor u = Tensor::uninitialized(DType::Float32, {n, 3});
    Tensor c = t;
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.raw()) % 64, 0u);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(u.raw()) % 64, 0u);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(c.raw()) % 64, 0u);
  }
}

}  // namespace
}  // namespace qtune
