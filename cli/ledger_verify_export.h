// `portcullis ledger verify-export FILE --key GATE.pub`: checks an evidence
// export without the database — what an auditor runs. Every checkpoint's
// signature, the consistency between checkpoints, every entry's hash, its
// link to the entry before, its payload digest, its inclusion proof, and,
// for a decrypted export, that each plaintext is what the ledger sealed.
#ifndef PORTCULLIS_CLI_LEDGER_VERIFY_EXPORT_H_
#define PORTCULLIS_CLI_LEDGER_VERIFY_EXPORT_H_

#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "crypto/ed25519.h"
#include "ledger/checkpoint.h"
#include "portcullis/ledger/v1/export.pb.h"

namespace portcullis::cli {

struct LedgerVerifyExportArgs {
  std::string file;  // required; "-" reads stdin
  std::string key;   // required: the gate's public key file
};

// What an export that verified proves.
struct VerifiedExport {
  ledger::v1::ExportHeader header;
  // The signed checkpoint its entries are proven against (the header's
  // proof_tree_size).
  ledger::Checkpoint checkpoint;
  uint64_t count = 0;   // entries
  uint64_t pruned = 0;  // payloads pruned by retention
  uint64_t opened = 0;  // plaintexts checked
  // Its entries in order, when asked to keep them.
  std::vector<ledger::v1::ExportedEntry> entries;
};

struct ExportVerdict {
  std::string problem;  // empty when the export verified
  int line = 0;         // the first bad line; 0: the export as a whole
  std::optional<uint64_t> sequence;  // when that line is an entry
  VerifiedExport result;             // when it verified

  bool ok() const { return problem.empty(); }
  // "line 5 (sequence 3): <problem>", or the problem alone.
  std::string Describe() const;
};

// Reads an export from `in` and checks it, accepting checkpoints signed by
// any of `keys`; stops at the first problem. With `keep_entries` the
// verified entries are kept in the result (the whole export in memory).
ExportVerdict VerifyExportStream(std::istream& in,
                                 const std::vector<crypto::VerifyingKey>& keys,
                                 bool keep_entries);

// Exit 0 when the export proves what it claims, 1 when it does not (the
// first bad line is named), 2 on usage errors or unreadable files.
int RunLedgerVerifyExport(const LedgerVerifyExportArgs& args, CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_LEDGER_VERIFY_EXPORT_H_
