// `portcullis ledger merge EXPORT... --key GATE.pub[,GATE2.pub]`: what an
// auditor runs on the exports of several replicas of one gate (each keeps
// its own ledger; docs/shared-state.md). Every export is verified first,
// as verify-export does; then every entry is written, as one JSON line
// (portcullis.ledger.v1.MergedLine) naming its replica, tenant and
// sequence, in the order of the entries' times, ties broken by replica,
// tenant and sequence. Nothing is written unless every export verifies and
// no two exports of a tenant hold entries of the same replica.
#ifndef PORTCULLIS_CLI_LEDGER_MERGE_H_
#define PORTCULLIS_CLI_LEDGER_MERGE_H_

#include <string>
#include <vector>

#include "cli/command.h"

namespace portcullis::cli {

struct LedgerMergeArgs {
  std::vector<std::string> files;  // the exports; at least one
  // Public key files, comma-separated: a checkpoint signed by any of them
  // is accepted (replicas may share a gate key or have one each).
  std::string keys;
};

// Exit 0 when merged (the stream on `io.out`), 1 when an export does not
// verify or two claim the same replica of a tenant (the file is named on
// `io.err`, nothing is written), 2 on usage errors or unreadable files.
int RunLedgerMerge(const LedgerMergeArgs& args, CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_LEDGER_MERGE_H_
