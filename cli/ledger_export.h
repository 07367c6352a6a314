// `portcullis ledger export`: writes one tenant's entries with their
// inclusion proofs and the signed checkpoints they are proven against, as
// JSON Lines of portcullis.ledger.v1.ExportLine (docs/ledger.md, "Export"),
// for an auditor to check with `portcullis ledger verify-export`. With
// --data it opens the database read-only, so it can run beside a live gate
// on the same machine; without, it asks the gate at --gate for the same
// lines (Admin.ExportLedger, the auditor role). With --format replay it
// writes a recording for `portcullis replay` instead (cli/replay_export.h).
#ifndef PORTCULLIS_CLI_LEDGER_EXPORT_H_
#define PORTCULLIS_CLI_LEDGER_EXPORT_H_

#include <cstdint>
#include <string>

#include "cli/command.h"

namespace portcullis::cli {

struct LedgerExportArgs {
  std::string data_dir;    // the database; empty: ask the gate
  std::string tenant;      // required
  uint64_t from = 0;       // 0: the first entry
  uint64_t to = 0;         // 0: the latest checkpoint's size
  std::string format;      // "" or "evidence", or "replay" (issue 7)
  std::string master_key;  // optional: include plaintexts and entry keys
  // Without data_dir: the gate's address, a bearer token, and whether the
  // gate opens the payloads with its master key.
  std::string gate;
  std::string token;
  bool decrypt = false;
};

// Writes the export to io.out. Exit 0 on success, 1 when the entries asked
// for are not covered by a signed checkpoint or the ledger is damaged, 2
// on usage errors or an unreadable ledger or key file.
int RunLedgerExport(const LedgerExportArgs& args, CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_LEDGER_EXPORT_H_
