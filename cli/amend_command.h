// `portcullis policy amend --proposal ID`: turns an approver's amendment
// proposal (docs/approvals.md, "Approvals that become policy") into policy
// source. Offline, like `ledger export`: reads the proposal from the
// tenant's ledger (read-only, beside a live gate), writes the policy in
// force with the rule added (and its `from proposal "ID"` citation), shows
// the change as a unified diff, and replays the tenant's recorded actions
// against the policy in force and the amended policy, listing every
// decision the rule changes.
#ifndef PORTCULLIS_CLI_AMEND_COMMAND_H_
#define PORTCULLIS_CLI_AMEND_COMMAND_H_

#include <string>

#include "absl/strings/string_view.h"
#include "cli/command.h"

namespace portcullis::cli {

struct PolicyAmendArgs {
  std::string proposal;    // the proposal id; required
  std::string data_dir;    // the gate's data directory; required
  std::string tenant;      // required
  std::string policy;      // the policy in force, a file or directory
  std::string out;         // where to write the amended file; empty: io.out
  std::string master_key;  // default <data_dir>/master.key when it exists
};

// Writes the amended policy file to args.out (then the diff and the replay
// go to io.out) or to io.out (then they go to io.err). Exit 0 after
// writing it, 1 when the proposal is not on the tenant's ledger or does
// not compile with the policy given, 2 on usage errors or unreadable
// input.
int RunPolicyAmend(const PolicyAmendArgs& args, CommandIo& io);

// A unified diff ("--- a/PATH", "+++ b/PATH", one hunk with three lines
// of context) of one contiguous change; empty when the texts are equal.
std::string UnifiedDiff(absl::string_view path, absl::string_view before,
                        absl::string_view after);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_AMEND_COMMAND_H_
