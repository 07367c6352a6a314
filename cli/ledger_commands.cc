#include "cli/ledger_commands.h"

#include "base/identifiers.h"
#include "cli/progress.h"
#include "ledger/rocksdb_store.h"
#include "ledger/verifier.h"

namespace portcullis::cli {

int RunLedgerVerify(const LedgerVerifyArgs& args, CommandIo& io) {
  if (args.data_dir.empty()) {
    io.err << "portcullis ledger verify: --data DIR is required\n";
    return kExitUsage;
  }
  if (!args.tenant.empty()) {
    if (absl::Status s = ValidateTenantId(args.tenant); !s.ok()) {
      io.err << "portcullis ledger verify: --tenant: " << s.message() << "\n";
      return kExitUsage;
    }
  }
  ledger::RocksDbOptions options;
  options.read_only = true;
  auto store = ledger::RocksDbStore::Open(args.data_dir, options);
  if (!store.ok()) {
    io.err << "portcullis ledger verify: " << store.status().message() << "\n";
    return kExitUsage;
  }
  Progress progress(io.err, io.err_is_terminal, "verifying");
  ledger::VerifyOptions verify;
  verify.tenant = args.tenant;
  verify.progress = [&](uint64_t done) { progress.Update(done); };
  auto report = ledger::VerifyLedger(**store, verify);
  progress.Done();
  if (!report.ok()) {
    io.err << "portcullis ledger verify: " << report.status().message() << "\n";
    return kExitUsage;
  }
  for (const ledger::ChainBreak& b : report->breaks) {
    io.out << "TAMPERED tenant " << b.tenant << " at sequence " << b.sequence
           << ": " << b.reason << "\n";
  }
  io.out << "verified " << report->tenants << " tenant"
         << (report->tenants == 1 ? "" : "s") << ", " << report->entries
         << " entr" << (report->entries == 1 ? "y" : "ies") << ": ";
  if (report->clean()) {
    io.out << "every chain is intact\n";
    return kExitOk;
  }
  io.out << report->breaks.size() << " chain"
         << (report->breaks.size() == 1 ? "" : "s") << " broken\n";
  return kExitFailed;
}

}  // namespace portcullis::cli
