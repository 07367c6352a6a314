// `portcullis ledger export --format replay`: writes one tenant's decisions
// as a recording (docs/replay.md): one portcullis.replay.v1.RecordedAction
// per line, in ledger order, for `portcullis replay`. Each
// "action.evaluated" entry becomes a line with its decision, the rules that
// decided and its time (and, for an approval that was later granted, when);
// each "action.rejected" entry whose action was refused as INVALID_ARGUMENT
// becomes a REJECTED line; a decision allowed by a standing approval
// carries the approval's grant. Payloads are opened with the master key. Opens
// the database read-only, so it can run beside a live gate.
#ifndef PORTCULLIS_CLI_REPLAY_EXPORT_H_
#define PORTCULLIS_CLI_REPLAY_EXPORT_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "cli/command.h"
#include "cli/ledger_export.h"
#include "gate/records.h"
#include "gate/replay/recorded_action.h"
#include "ledger/ledger.h"

namespace portcullis::cli {

// Uses args.data_dir, tenant, from and to (sequences; 0: the first and
// the latest entry) and master_key (default <data_dir>/master.key when that
// file exists). Writes the recording to io.out and a one-line summary to
// io.err. Exit 0 on success, 1 when the tenant has no entries or an entry
// does not decode (a damaged ledger), 2 on usage errors or an unreadable
// ledger or key file (including sealed payloads without their key).
int RunReplayExport(const LedgerExportArgs& args, CommandIo& io);

// Opens the ledger under `data_dir` read-only, with the master key file
// (default <data_dir>/master.key when that file exists).
absl::StatusOr<std::unique_ptr<ledger::Ledger>> OpenLedgerReadOnly(
    const std::string& data_dir, const std::string& master_key);

// Standing approvals already looked up, by id, for RecordedActionFor.
using StandingGrants =
    absl::flat_hash_map<std::string, gate::replay::RecordedStanding>;

// For a walk forward over a chain: remembers the grant a "standing.granted"
// `entry` records (the latest grant of an id wins, as ids may be reused
// once a window has ended), so that its uses need not look back for it.
// Other entries, and a grant that does not decode (a use looks for it and
// reports it), are passed over.
void RememberGrant(const gate::RecordCodec& codec, const ledger::Entry& entry,
                   StandingGrants& grants);

// The recording line an "action.evaluated" or "action.rejected" entry with
// its payload makes, if it makes one (see above). An ALLOW by a standing
// approval carries the approval's grant (its approver and their roles),
// read from its "standing.granted" entry (remembered in `grants` when
// given); it is left out when that entry's payload was pruned.
absl::StatusOr<std::optional<gate::replay::RecordedAction>> RecordedActionFor(
    const ledger::Ledger& ledger, const gate::RecordCodec& codec,
    const ledger::Entry& entry, StandingGrants* grants = nullptr);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_REPLAY_EXPORT_H_
