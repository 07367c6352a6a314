// `portcullis policy ...`: offline policy tooling for authors and CI — no
// server, no network.
#ifndef PORTCULLIS_CLI_POLICY_COMMANDS_H_
#define PORTCULLIS_CLI_POLICY_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "cli/command.h"
#include "gate/policy_source.h"

namespace portcullis::cli {

// Reads policy files and directories (their *.policy files) as one policy.
// Returns NotFound or InvalidArgument naming the path that cannot be read.
absl::StatusOr<gate::PolicyText> ReadPolicyText(
    const std::vector<std::string>& paths);

struct PolicyCheckArgs {
  std::vector<std::string> paths;  // files or directories, one policy
  bool json = false;               // {"ok", "errors": [...], "version", ...}
};

// Compiles the files together and lists every error as
// "file:line:column: message": exit 0 when the policy compiles, 1 when it
// does not, 2 when a path cannot be read.
int RunPolicyCheck(const PolicyCheckArgs& args, CommandIo& io);

struct PolicyExplainArgs {
  std::string policy;       // a file or directory
  std::string action_file;  // a portcullis.v1.Action in proto JSON
  std::string at;           // RFC 3339 instant; now when empty
  // A recording (docs/replay.md) of what came before; empty for none.
  std::string history;
};

// Decides the action against the policy at the given instant and prints
// the decision, its digest and how every rule fared. The limit and session
// counters are empty, or, with a history, those that replaying the
// history's actions of the action's tenant decided before that instant
// builds (as `portcullis replay` does). Exit 0 after explaining (whatever
// the outcome), 1 when the policy does not compile or the action's
// arguments do not fit the tool, 2 for unreadable input or history.
int RunPolicyExplain(const PolicyExplainArgs& args, const Clock& clock,
                     CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_POLICY_COMMANDS_H_
