// isotone (§2.6): the event sweep on rows worked by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "qtune/calib/isotone_search.h"
#include "qtune/calib/observers.h"
#include "qtune/error.h"
#include "test_support.h"

namespace qtune::calib {
namespace {

using test::int8_config;

TEST(CalibIsotone, TwoRowsByHand) {
  // Rows along the last axis of a [2, 3] tensor:
  //   A = [2, 1, −3]: top-2 (2, 1) -> smin = 1/126.49 = 0.0079058, smax = 2·(2 − 1) = 2
  //   B = [0.25, 0.5, 0.1]: (0.5, 0.25) -> smin = 0.25/126.49 = 0.0019764, smax = 2·0.25 = 0.5
  // Events: 0.0019764 (+1 -> 1), 0.0079058 (+1 -> 2, the maximum), 0.5 (−1), 2 (−1).
  // Scale = 1/126.49 (float32) -> log2 = −6.98288 (not rounded to a power of two).
  IsotoneObserver obs(int8_config(), -1);
  obs.observe(Tensor::from<float>({2, 3}, {2.0f, 1.0f, -3.0f, 0.25f, 0.5f, 0.1f}));
  const std::vector<double> e = obs.render();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NEAR(e[0], -6.98288, 1e-5);
  EXPECT_EQ(e[0], std::log2(static_cast<double>(1.0f / 126.49f)));
}

TEST(CalibIsotone, AxisZeroSeesColumns) {
  // The same two rows stored as columns of a [3, 2] tensor, axis 0.
  IsotoneObserver obs(int8_config(), 0);
  obs.observe(Tensor::from<float>({3, 2}, {2.0f, 0.25f, 1.0f, 0.5f, -3.0f, 0.1f}));
  EXPECT_NEAR(obs.render()[0], -6.98288, 1e-5);
}

TEST(CalibIsotone, FallbackIsMinmaxOnTheLastRow) {
  // A repeated maximum: L1 = L2 = 1 -> smax = 0, no interval. Fallback: minmax on [0, 1] ->
  // 2/255 -> pow2-ceil −6 (an integer).
  IsotoneObserver obs(int8_config(), -1);
  obs.observe(test::tensor({1.0f, 1.0f, 0.5f}));
  EXPECT_EQ(obs.render(), std::vector<double>{-6.0});
}

TEST(CalibIsotone, CloseEventsSortBeforeOpenEventsAtTheSameValue) {
  // v = 2/126.49 (float32). Row 1 = (v/2, 0): interval [0, v]. Row 2 = (10, 2): smin = v,
  // smax = 16. At value v the close (−1) of row 1 sorts before the open (+1) of row 2, so the
  // count never reaches 2; the maximum 1 is first reached at 0. A zero scale is raised to
  // 1e-8 (log2 −26.575).
  const float v = 2.0f / 126.49f;
  const std::vector<std::pair<float, float>> rows = {{v / 2.0f, 0.0f}, {10.0f, 2.0f}};
  const IsotoneResult r = isotone_search(rows, -128, 127, 1e-8);
  EXPECT_FALSE(r.fallback);
  EXPECT_EQ(r.best_count, 1);
  EXPECT_EQ(r.log2_scale, std::log2(1e-8));
  // Without row 1 the answer is v itself.
  const std::vector<std::pair<float, float>> one = {{10.0f, 2.0f}};
  EXPECT_EQ(isotone_search(one, -128, 127, 1e-8).scale, v);
}

TEST(CalibIsotone, Misuse) {
  EXPECT_THROW(IsotoneObserver(int8_config(0), -1), Error);
  IsotoneObserver obs(int8_config(), -1);
  EXPECT_THROW(obs.observe(Tensor::from<float>({2, 1}, {1.0f, 2.0f})), Error);  // axis of size 1
  EXPECT_THROW(obs.render(), Error);                                            // nothing observed
}

}  // namespace
}  // namespace qtune::calib
