// `portcullis policy test DIR`: runs policy unit tests like `opa test` —
// pass or fail per case, a summary, and rule coverage: the rules no case
// exercised (docs/replay.md, "Policy tests"). Offline.
#ifndef PORTCULLIS_CLI_POLICY_TEST_COMMAND_H_
#define PORTCULLIS_CLI_POLICY_TEST_COMMAND_H_

#include <string>

#include "cli/command.h"

namespace portcullis::cli {

struct PolicyTestArgs {
  std::string dir;     // the test files; required
  std::string policy;  // the policy under test; default: DIR's *.policy
};

// Prints each case's result, a summary and the coverage to io.out. Exit 0
// when every case passes, 1 when one fails or the policy does not compile,
// 2 when a test file is malformed (named by file and line), none is found,
// or the policy cannot be read.
int RunPolicyTest(const PolicyTestArgs& args, CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_POLICY_TEST_COMMAND_H_
