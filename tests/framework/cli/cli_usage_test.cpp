// Exit codes and one-line messages of the qtune CLI for usage errors.
#include <gtest/gtest.h>

#include "framework/cli/run_qtune.h"

namespace qtune {
namespace {

using test::run_qtune;

TEST(CliUsage, VersionAndHelp) {
  auto r = run_qtune("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("qtune ", 0), 0u) << r.out;
  r = run_qtune("--help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* verb : {"plugins", "check-contract", "infer"}) EXPECT_NE(r.out.find(verb), std::string::npos) << verb;
}

TEST(CliUsage, EveryVerbHasHelp) {
  for (const char* verb : {"plugins", "check-contract", "infer"}) {
    const auto r = run_qtune(std::string(verb) + " --help");
    EXPECT_EQ(r.exit_code, 0) << verb << ": " << r.err;
    EXPECT_NE(r.out.find(std::string("usage: qtune ") + verb), std::string::npos) << r.out;
  }
}

TEST(CliUsage, UnknownVerbListsVerbs) {
  const auto r = run_qtune("frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown verb 'frobnicate'; verbs: plugins, check-contract, infer"), std::string::npos) << r.err;
}

TEST(CliUsage, UnknownFlagIsOneLinePlusHelpPointer) {
  const auto r = run_qtune("plugins --frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qtune plugins: unrecognised option '--frobnicate'\n(see qtune plugins --help)\n");
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(CliUsage, MissingRequiredFlag) {
  const auto r = run_qtune("check-contract");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("qtune check-contract: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("'--contract' is required"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(see qtune check-contract --help)"), std::string::npos) << r.err;
}

TEST(CliUsage, MissingFileNamesFlagAndFile) {
  const auto r = run_qtune("infer --model /nonexistent/m.onnx --input x.npy --output-dir /tmp/qtune_nowhere");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qtune infer: --model: file '/nonexistent/m.onnx' does not exist\n(see qtune infer --help)\n");
}

}  // namespace
}  // namespace qtune
