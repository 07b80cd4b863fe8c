// What the calibration driver promises an observer about batch order (calibration.h):
// every observe() in batch order before any observe_second_pass() (in any order, exactly
// once per batch, when every observer's first pass is order-free), and the second pass sees
// each batch exactly once, in any order (the last batch may be fed to both passes in one
// forward; the rest may run concurrently). Checked at 1 and 2 threads, with every observer
// two-phase (the fused case) and with a one-phase observer present (no fusion: the second
// pass must see values with the phase-1 configs applied).
#include <algorithm>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include "quant/calibration_driver.h"
#include "quant/quantizer.h"

namespace qtune {
namespace {

// x -> Conv 1x1 -> Relu -> Conv 1x1 -> y; calibrating the activations x, relu output, y.
Graph two_conv_graph() {
  Graph g;
  g.add_variable("x", {1, 2, 4, 4});
  g.add_parameter("w1", Tensor::from<float>({2, 2, 1, 1}, {0.5f, -0.25f, 1.0f, 0.75f}));
  g.add_parameter("w2", Tensor::from<float>({1, 2, 1, 1}, {0.3f, -0.6f}));
  g.add_op("conv1", "Conv", {"x", "w1"}, {"c"});
  g.add_op("relu", "Relu", {"c"}, {"r"});
  g.add_op("conv2", "Conv", {"r", "w2"}, {"y"});
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  return g;
}

// Records the sum of every tensor it is fed (a batch fingerprint) per pass.
class RecordingObserver final : public Observer {
 public:
  RecordingObserver(bool two, bool order_free) : two_(two), order_free_(order_free) {}
  void observe(const Tensor& t) override {
    if (!second.empty()) order_ok = false;  // a first-pass value after the second pass began
    first.push_back(sum(t));
    // Slow enough that a second thread takes batches while this one feeds: concurrent
    // batches then show up out of order.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  bool needs_second_pass() const override { return two_; }
  bool first_pass_order_free() const override { return order_free_; }
  void observe_second_pass(const Tensor& t) override { second.push_back(sum(t)); }
  std::vector<double> render() override { return {-4.0}; }
  std::vector<double> first, second;
  bool order_ok = true;

 private:
  static double sum(const Tensor& t) {
    double s = 0;
    for (float v : t.to_float()) s += v;
    return s;
  }
  bool two_, order_free_;
};

std::vector<std::vector<Tensor>> batches(int n) {
  std::vector<std::vector<Tensor>> out;
  for (int i = 0; i < n; ++i) {
    Tensor t({1, 2, 4, 4});
    for (std::int64_t k = 0; k < t.numel(); ++k) t.data<float>()[k] = 0.37f * float((k * (i + 3)) % 11) - 1.1f;
    out.push_back({t});
  }
  return out;
}

// The sum of each batch's input, in batch order (the graph input observer's fingerprints).
std::vector<double> batch_sums(const std::vector<std::vector<Tensor>>& data) {
  std::vector<double> sums;
  for (const auto& b : data) {
    double s = 0;
    for (float v : b[0].to_float()) s += v;
    sums.push_back(s);
  }
  return sums;
}

// Observers outlive calibrate_activations through this wrapper, which forwards to a
// RecordingObserver the test owns.
class Forwarding final : public Observer {
 public:
  explicit Forwarding(RecordingObserver* to) : to_(to) {}
  void observe(const Tensor& t) override { to_->observe(t); }
  bool needs_second_pass() const override { return to_->needs_second_pass(); }
  bool first_pass_order_free() const override { return to_->first_pass_order_free(); }
  void observe_second_pass(const Tensor& t) override { to_->observe_second_pass(t); }
  std::vector<double> render() override { return to_->render(); }

 private:
  RecordingObserver* to_;
};

struct Recorded {
  std::vector<std::unique_ptr<RecordingObserver>> observers;
};

// Which observers say their first pass is order-free.
enum class OrderFree { None, All, AllButFirst };

Recorded calibrate_recorded(Graph& g, const std::vector<std::vector<Tensor>>& data, bool all_two_phase,
                            OrderFree order_free = OrderFree::None) {
  Recorded rec;
  calibrate_activations(
      g, data,
      [&](const std::string&, const TensorQuantConfig&) -> std::unique_ptr<Observer> {
        // With all_two_phase false the first activation (the graph input) is one-phase.
        const bool first = rec.observers.empty();
        const bool two = all_two_phase || !first;
        const bool free = order_free == OrderFree::All || (order_free == OrderFree::AllButFirst && !first);
        rec.observers.push_back(std::make_unique<RecordingObserver>(two, free));
        return std::make_unique<Forwarding>(rec.observers.back().get());
      },
      {"kl", {}});
  return rec;
}

// Parameter: the thread count calibration runs at.
class CalibrationOrder : public ::testing::TestWithParam<int> {
 protected:
  // Quantizes the two-conv graph for esp32p4 and calibrates it over `data`.
  Recorded calibrate_graph(const std::vector<std::vector<Tensor>>& data, bool all_two_phase,
                           OrderFree order_free = OrderFree::None) {
    tbb::global_control threads(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(GetParam()));
    graph_ = two_conv_graph();
    quantize_graph(graph_, TargetPolicy::from_target("esp32p4"));
    return calibrate_recorded(graph_, data, all_two_phase, order_free);
  }
  Graph graph_;
};

TEST_P(CalibrationOrder, SecondPassSeesTheFirstPassBatchesInAnyOrder) {
  const auto data = batches(5);
  Recorded rec = calibrate_graph(data, true);
  ASSERT_EQ(rec.observers.size(), 3u);  // x at conv1, r, y
  for (const auto& o : rec.observers) {
    EXPECT_TRUE(o->order_ok);
    ASSERT_EQ(o->first.size(), data.size());
    // Nothing is applied between the passes, so the second pass sees the same values.
    std::vector<double> a = o->first, b = o->second;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    EXPECT_EQ(a, b);
  }
  // The graph input's first pass is in batch order.
  EXPECT_EQ(rec.observers[0]->first, batch_sums(data));
}

TEST_P(CalibrationOrder, OnePhaseConfigIsAppliedInTheWholeSecondPass) {
  const auto data = batches(5);
  Recorded rec = calibrate_graph(data, false);
  ASSERT_EQ(rec.observers.size(), 3u);
  EXPECT_FALSE(rec.observers[0]->needs_second_pass());
  EXPECT_TRUE(rec.observers[0]->second.empty());
  // x is quantized (exponent -4: a 1/16 grid) during the whole second pass, so the values
  // downstream differ from the first pass in every batch: no batch was fused.
  const RecordingObserver& relu = *rec.observers[1];
  ASSERT_EQ(relu.second.size(), data.size());
  for (double s : relu.second)
    EXPECT_EQ(std::count(relu.first.begin(), relu.first.end(), s), 0) << "a second-pass value equals a float one";
}

TEST_P(CalibrationOrder, OrderFreeFirstPassSeesEveryBatchOnceBeforeTheSecond) {
  const auto data = batches(7);
  Recorded rec = calibrate_graph(data, true, OrderFree::All);
  ASSERT_EQ(rec.observers.size(), 3u);
  for (const auto& o : rec.observers) {
    EXPECT_TRUE(o->order_ok);  // no first-pass value after a second-pass one
    std::vector<double> a = o->first, b = o->second;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    EXPECT_EQ(a, b);
    ASSERT_EQ(a.size(), data.size());
  }
  // The graph input's first pass saw every batch exactly once (in some order).
  std::vector<double> seen = rec.observers[0]->first, expected = batch_sums(data);
  std::sort(seen.begin(), seen.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(seen, expected);
}

TEST_P(CalibrationOrder, OneOrderBoundObserverKeepsTheFirstPassInBatchOrder) {
  const auto data = batches(7);
  Recorded rec = calibrate_graph(data, true, OrderFree::AllButFirst);
  ASSERT_EQ(rec.observers.size(), 3u);
  EXPECT_EQ(rec.observers[0]->first, batch_sums(data));  // exactly batch order
}

INSTANTIATE_TEST_SUITE_P(Threads, CalibrationOrder, ::testing::Values(1, 2));

}  // namespace
}  // namespace qtune
