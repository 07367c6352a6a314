// `portcullis ledger verify-export FILE --key GATE.pub`: checks an evidence
// export without the database — what an auditor runs. Every checkpoint's
// signature, the consistency between checkpoints, every entry's hash, its
// link to the entry before, its payload digest, its inclusion proof, and,
// for a decrypted export, that each plaintext is what the ledger sealed.
#ifndef PORTCULLIS_CLI_LEDGER_VERIFY_EXPORT_H_
#define PORTCULLIS_CLI_LEDGER_VERIFY_EXPORT_H_

#include <string>

#include "cli/command.h"

namespace portcullis::cli {

struct LedgerVerifyExportArgs {
  std::string file;  // required; "-" reads stdin
  std::string key;   // required: the gate's public key file
};

// Exit 0 when the export proves what it claims, 1 when it does not (the
// first bad line is named), 2 on usage errors or unreadable files.
int RunLedgerVerifyExport(const LedgerVerifyExportArgs& args, CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_LEDGER_VERIFY_EXPORT_H_
