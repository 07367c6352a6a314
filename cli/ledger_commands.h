// `portcullis ledger ...`: offline inspection of a gate's ledger.
#ifndef PORTCULLIS_CLI_LEDGER_COMMANDS_H_
#define PORTCULLIS_CLI_LEDGER_COMMANDS_H_

#include <string>

#include "cli/command.h"

namespace portcullis::cli {

struct LedgerVerifyArgs {
  std::string data_dir;  // required
  std::string tenant;    // all tenants when empty
};

// Walks every chain (or one tenant's) and reports the first broken entry
// of each: exit 0 when intact, 1 when tampered, 2 when the ledger cannot be
// opened or the arguments are wrong. Opens the database read-only, so it
// can run beside a live gate.
int RunLedgerVerify(const LedgerVerifyArgs& args, CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_LEDGER_COMMANDS_H_
