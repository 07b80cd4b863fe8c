#pragma once
// esp-ppq's equalization pair discovery (reference §3.1, LayerwiseEqualizationPass
// .find_equalization_pair): from each candidate layer walk downstream through "relay" ops
// to the first non-relay ops (the downstream set), then upstream from those through relay
// ops (the upstream set). A pair is kept when both sets are non-empty and every member is
// a Conv, ConvTranspose or Gemm. Upstream layers of a pair are not restarted from.
//
// Relay ops: opt_level 1 {Relu, MaxPool, GlobalMaxPool, PRelu, AveragePool,
// GlobalAveragePool, LeakyRelu, Identity}; opt_level 2 adds {Add, Sub}, so the layers on
// both sides of a residual Add are equalized together. Clip (ReLU6) is not a relay.
//
// Beyond esp-ppq: a pair whose scaling would change the float model is skipped and
// reported (esp-ppq equalizes it anyway): an upstream layer also feeding a layer outside
// the downstream set, a relay op reading a constant, a graph input or an unscaled tensor,
// a scaled tensor that is a graph output, a downstream layer reading the channels through
// another input than its data input; and one esp-ppq would crash on (channel counts
// that differ, non-constant weights, a bias that is not one value per channel).
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "qtune/graph.h"

namespace qtune::equalization {

struct Pair {
  std::vector<Op*> upstream;    // graph order
  std::vector<Op*> downstream;  // graph order
  std::int64_t channels = 0;
};

struct PairSearch {
  std::vector<Pair> pairs;
  std::size_t starts = 0;                       // candidates walked from (not already in a pair's upstream set)
  std::map<std::string, std::size_t> blockers;  // non-equalizable op type met -> candidates it blocked
  std::size_t dead_ends = 0;                    // candidates whose output reaches no op
  std::vector<std::string> skipped;             // pairs refused beyond esp-ppq, with the reason
};

const std::set<std::string>& relay_types(int opt_level);

// `candidates`: the layers to start from, in order (non-equalizable types are passed over).
PairSearch find_pairs(const Graph& graph, const std::vector<Op*>& candidates, int opt_level);

}  // namespace qtune::equalization
