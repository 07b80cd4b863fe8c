// The block partition (reference §3.6, esp-ppq BlockBuilder) on hand-built graphs. Every
// expected partition is worked out by hand from the rules in
// passes/block_common/include/qtune/blocks/block_builder.h; the depths are written next
// to each graph.
#include <gtest/gtest.h>

#include "tiny_graphs.h"

namespace qtune::blocks {
namespace {

using test::names;
using test::partition;
using test::TinyGraph;
using Partition = std::vector<std::vector<std::string>>;

// x -> c1 -> r1 -> c2 -> r2 -> c3 -> r3 -> c4 -> r4 -> y
// depth  0     1     2     3     4     5     6     7
TinyGraph linear_chain() {
  TinyGraph t;
  t.conv("c1", "x", "a1");
  t.op("r1", "Relu", {"a1"}, "a2");
  t.conv("c2", "a2", "a3");
  t.op("r2", "Relu", {"a3"}, "a4");
  t.conv("c3", "a4", "a5");
  t.op("r3", "Relu", {"a5"}, "a6");
  t.conv("c4", "a6", "a7");
  t.op("r4", "Relu", {"a7"}, "y");
  t.g.set_outputs({"y"});
  return t;
}

TEST(BlockBuilder, LinearChainGrowsUntilTheDepthLimit) {
  const TinyGraph t = linear_chain();
  // c3 is 4 below c1 (kept: the limit is "> block_size"), r3 is 5 below: stop. r3 is in no
  // block: it is not a computing op, so it never starts one.
  EXPECT_EQ(partition(build_blocks(t.g, 4)), (Partition{{"c1", "r1", "c2", "r2", "c3"}, {"c4", "r4"}}));
  EXPECT_EQ(partition(build_blocks(t.g, 1)), (Partition{{"c1", "r1"}, {"c2", "r2"}, {"c3", "r3"}, {"c4", "r4"}}));
  EXPECT_EQ(partition(build_blocks(t.g, 0)), (Partition{{"c1"}, {"c2"}, {"c3"}, {"c4"}}));
  EXPECT_EQ(partition(build_blocks(t.g, 7)), (Partition{{"c1", "r1", "c2", "r2", "c3", "r3", "c4", "r4"}}));
  const auto blocks = build_blocks(t.g, 4);
  EXPECT_EQ(blocks[0].start, &t.at("c1"));
  EXPECT_EQ(blocks[0].end, &t.at("c3"));
  EXPECT_EQ(blocks[1].end, &t.at("r4"));
}

TEST(BlockBuilder, OnlyQuantizedComputingOpsStartBlocks) {
  TinyGraph t = linear_chain();
  t.g.op("c3").annotations.clear();  // c3 stays float: it joins a block but starts none
  EXPECT_EQ(partition(build_blocks(t.g, 0)), (Partition{{"c1"}, {"c2"}, {"c4"}}));
  EXPECT_EQ(partition(build_blocks(t.g, 1)), (Partition{{"c1", "r1"}, {"c2", "r2"}, {"c4", "r4"}}));
  // A caller's own start rule.
  EXPECT_EQ(partition(build_blocks(t.g, 0, {}, [](const Op& op) { return op.type == "Relu"; })),
            (Partition{{"r1"}, {"r2"}, {"r3"}, {"r4"}}));
}

// Inverted residual: the Add post-dominates r0's two paths.
// x -> c0 -> r0 -+-> c1 -> r1(Clip) -> c2 -+-> add -> c3 -> y
//                +-------------------------+
// depth   0     1      2     3           4      5      6
TinyGraph residual() {
  TinyGraph t;
  t.conv("c0", "x", "t0");
  t.op("r0", "Relu", {"t0"}, "t1");
  t.conv("c1", "t1", "t2");
  t.op("r1", "Clip", {"t2"}, "t3");
  t.conv("c2", "t3", "t4");
  t.op("add", "Add", {"t1", "t4"}, "t5");
  t.conv("c3", "t5", "y");
  t.g.set_outputs({"y"});
  return t;
}

TEST(BlockBuilder, ResidualBranchEndsAtThePostDominatingAdd) {
  const TinyGraph t = residual();
  const BlockBuilder builder(t.g);
  EXPECT_EQ(builder.depth(t.at("r0")), 1);
  EXPECT_EQ(builder.depth(t.at("add")), 5);  // longest path, through the branch
  EXPECT_EQ(builder.depth(t.at("c3")), 6);

  // block_size 4: from c0 the Add is the next end but 5 - 0 > 4, so c0's block ends at r0;
  // c1's block cannot step into the two-input Add.
  EXPECT_EQ(partition(build_blocks(t.g, 4)), (Partition{{"c0", "r0"}, {"c1", "r1", "c2"}, {"c3"}}));
  // block_size 5 reaches the Add (the whole residual branch is one block), not c3 (6 > 5).
  EXPECT_EQ(partition(build_blocks(t.g, 5)), (Partition{{"c0", "r0", "c1", "r1", "c2", "add"}, {"c3"}}));
  EXPECT_EQ(partition(build_blocks(t.g, 6)), (Partition{{"c0", "r0", "c1", "r1", "c2", "add", "c3"}}));
  // Growing from an op inside another block is allowed through the builder.
  EXPECT_EQ(names(builder.build(t.at("c1"), 4)), (std::vector<std::string>{"c1", "r1", "c2"}));
}

TEST(BlockBuilder, InterestedLayersKeepBlocksContainingThem) {
  const TinyGraph t = residual();
  EXPECT_EQ(partition(build_blocks(t.g, 4, {"c2"})), (Partition{{"c1", "r1", "c2"}}));
  EXPECT_EQ(partition(build_blocks(t.g, 4, {"r0", "c3"})), (Partition{{"c0", "r0"}, {"c3"}}));
  EXPECT_TRUE(build_blocks(t.g, 4, {"no_such_op"}).empty());
  // The partition is built first, then filtered: c2 is in c1's block, not a block of its own.
  EXPECT_EQ(partition(build_blocks(t.g, 5, {"c2"})), (Partition{{"c0", "r0", "c1", "r1", "c2", "add"}}));
}

// r0 feeds two convs whose outputs are graph outputs: no op merges the paths.
TEST(BlockBuilder, MultiConsumerWithoutMergeStopsAtTheFork) {
  TinyGraph t;
  t.conv("c0", "x", "t0");
  t.op("r0", "Relu", {"t0"}, "t1");
  t.conv("ca", "t1", "ya");
  t.conv("cb", "t1", "yb");
  t.g.set_outputs({"ya", "yb"});
  EXPECT_EQ(partition(build_blocks(t.g, 10)), (Partition{{"c0", "r0"}, {"ca"}, {"cb"}}));
}

// c0 forks into ca and cb, merged by a Concat. With a third Concat input from another
// graph input (through cz) the Concat does not post-dominate c0 alone: its upstream cz is
// never reached from c0, so nothing merges and every conv is its own block.
TEST(BlockBuilder, MergeMustReadOnlyPathsFromTheStart) {
  {
    TinyGraph t;
    t.conv("c0", "x", "t0");
    t.conv("ca", "t0", "ta");
    t.conv("cb", "t0", "tb");
    t.op("cat", "Concat", {"ta", "tb"}, "tc");
    t.conv("c5", "tc", "y");
    t.g.set_outputs({"y"});
    // depths c0 0, ca 1, cb 1, cat 2, c5 3
    EXPECT_EQ(partition(build_blocks(t.g, 10)), (Partition{{"c0", "ca", "cb", "cat", "c5"}}));
    EXPECT_EQ(partition(build_blocks(t.g, 1)), (Partition{{"c0"}, {"ca"}, {"cb"}, {"c5"}}));
  }
  {
    TinyGraph t({"x", "z"});
    t.conv("c0", "x", "t0");
    t.conv("ca", "t0", "ta");
    t.conv("cb", "t0", "tb");
    t.conv("cz", "z", "tz");
    t.op("cat", "Concat", {"ta", "tb", "tz"}, "tc");
    t.conv("c5", "tc", "y");
    t.g.set_outputs({"y"});
    EXPECT_EQ(partition(build_blocks(t.g, 10)), (Partition{{"c0"}, {"ca"}, {"cb"}, {"cz"}, {"c5"}}));
  }
}

// The merge m1 of a and b is not the end: b also reaches m2 around it. The search pops ops
// by depth and takes the first op popped when nothing else is pending (m2).
// c0 -+-> a ------> m1 -> m2 -> c9       depths: c0 0, a 1, b 1, m1 2, c 2, m2 3, c9 4
//     +-> b --+---^      ^
//             +-> c -----+
TEST(BlockBuilder, NestedForksEndAtTheLastMerge) {
  TinyGraph t;
  t.conv("c0", "x", "t0");
  t.op("a", "Relu", {"t0"}, "ta");
  t.op("b", "Relu", {"t0"}, "tb");
  t.op("m1", "Add", {"ta", "tb"}, "tm1");
  t.op("c", "Relu", {"tb"}, "tc");
  t.op("m2", "Add", {"tm1", "tc"}, "tm2");
  t.conv("c9", "tm2", "y");
  t.g.set_outputs({"y"});
  EXPECT_EQ(partition(build_blocks(t.g, 4)), (Partition{{"c0", "a", "b", "m1", "c", "m2", "c9"}}));
  EXPECT_EQ(partition(build_blocks(t.g, 3)), (Partition{{"c0", "a", "b", "m1", "c", "m2"}, {"c9"}}));
  // m2 is 3 below c0: with block_size 2 the block cannot reach it, and m1 is no end.
  EXPECT_EQ(partition(build_blocks(t.g, 2)), (Partition{{"c0"}, {"c9"}}));
}

// An op reading the same value twice counts as two consumers and two upstream ops
// (esp-ppq lists one per input slot): Mul(t1, t1) is reached by the multi-consumer search.
TEST(BlockBuilder, OneOpReadingAValueTwiceIsAMerge) {
  TinyGraph t;
  t.conv("c0", "x", "t0");
  t.op("r0", "Relu", {"t0"}, "t1");
  t.op("sq", "Mul", {"t1", "t1"}, "t2");
  t.conv("c1", "t2", "y");
  t.g.set_outputs({"y"});
  EXPECT_EQ(partition(build_blocks(t.g, 4)), (Partition{{"c0", "r0", "sq", "c1"}}));
}

TEST(BlockBuilder, InputsAndOutputsOfABlock) {
  const TinyGraph t = residual();
  const auto blocks = build_blocks(t.g, 4);
  ASSERT_EQ(blocks.size(), 3u);
  ASSERT_EQ(block_inputs(blocks[1]).size(), 1u);
  EXPECT_EQ(block_inputs(blocks[1])[0]->name, "t1");  // parameters are not inputs
  ASSERT_EQ(block_outputs(blocks[1]).size(), 1u);
  EXPECT_EQ(block_outputs(blocks[1])[0]->name, "t4");
  const auto whole = build_blocks(t.g, 5);
  ASSERT_EQ(block_inputs(whole[0]).size(), 1u);
  EXPECT_EQ(block_inputs(whole[0])[0]->name, "x");
  EXPECT_EQ(block_outputs(whole[0])[0]->name, "t5");
}

}  // namespace
}  // namespace qtune::blocks
