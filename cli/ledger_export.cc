#include "cli/ledger_export.h"

#include <limits>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "cli/gate_client.h"
#include "cli/replay_export.h"
#include "codec/evidence_export.h"
#include "crypto/master_key_file.h"
#include "ledger/evidence.h"
#include "ledger/payload_keyring.h"
#include "ledger/rocksdb_store.h"

namespace portcullis::cli {
namespace {

constexpr absl::string_view kCommand = "ledger export";

int Fail(CommandIo& io, int code, absl::string_view message) {
  io.err << "portcullis ledger export: " << message << "\n";
  return code;
}

bool PrintLine(const ledger::v1::ExportLine& line, CommandIo& io,
               absl::Status& printing) {
  absl::StatusOr<std::string> json = codec::ExportLineToJson(line);
  if (!json.ok()) {
    printing = json.status();
    return false;
  }
  io.out << *json << "\n";
  return true;
}

// Says on stderr which entries of `tenant` follow `last`, the end of an
// export that stopped at the latest signed checkpoint: they exist, but no
// checkpoint proves them yet, so they are left out rather than exported
// unproven. Reads the store only; a running gate keeps the write lock.
void NoteUnprovenTail(const ledger::KeyValueStore& store,
                      const std::string& tenant, uint64_t last, CommandIo& io) {
  uint64_t after = 0;
  absl::Status counted = ledger::ReadStoredEntries(
      store, tenant, last + 1, std::numeric_limits<uint64_t>::max() - 1,
      [&](const ledger::StoredEntry&) {
        ++after;
        return true;
      });
  if (!counted.ok() || after == 0) return;
  io.err << "portcullis ledger export: note: entries " << last + 1 << "-"
         << last + after << " of " << tenant
         << " are not in this export: they were recorded after the latest "
            "signed checkpoint, so nothing proves them yet. The gate signs "
            "one within ledger.checkpointIntervalMs (60 s by default) and "
            "when it stops; export again then to include them.\n";
}

// Streams the export from a running gate.
int RunGateExport(const LedgerExportArgs& args, CommandIo& io) {
  if (!args.master_key.empty()) {
    return Fail(io, kExitUsage,
                "--master_key opens a database read with --data; ask the "
                "gate to open payloads with --decrypt");
  }
  GateClient client(args.gate.empty() ? kDefaultGateAddress : args.gate,
                    args.token);
  v1::ExportLedgerRequest request;
  request.set_tenant(args.tenant);
  request.set_from_sequence(args.from);
  request.set_to_sequence(args.to);
  request.set_decrypt(args.decrypt);
  std::unique_ptr<grpc::ClientContext> context = client.Context();
  // A large ledger takes longer than one call's usual deadline.
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::minutes(30));
  auto stream = client.admin().ExportLedger(context.get(), request);
  ledger::v1::ExportLine line;
  absl::Status printing;
  while (stream->Read(&line)) {
    if (!PrintLine(line, io, printing)) {
      context->TryCancel();
      break;
    }
  }
  grpc::Status finished = stream->Finish();
  if (!printing.ok()) return Fail(io, kExitFailed, printing.message());
  absl::Status s = client.Check(finished);
  if (!s.ok()) return GateRefused(io, kCommand, s);
  return kExitOk;
}

}  // namespace

int RunLedgerExport(const LedgerExportArgs& args, CommandIo& io) {
  if (args.tenant.empty()) return Fail(io, kExitUsage, "--tenant is required");
  // --format replay (issue 7): a recording for `portcullis replay`.
  if (args.format == "replay" || args.format == "replay-binpb") {
    if (args.data_dir.empty()) {
      return Fail(io, kExitUsage,
                  absl::StrCat("--format ", args.format, " reads --data DIR"));
    }
    return RunReplayExport(args, io);
  }
  if (!args.format.empty() && args.format != "evidence") {
    return Fail(io, kExitUsage,
                absl::StrCat("unknown --format \"", args.format,
                             "\"; use evidence, replay or replay-binpb"));
  }
  if (absl::Status s = ValidateTenantId(args.tenant);
      !s.ok() && args.tenant != "_ledger") {  // the ledger's own chain
    return Fail(io, kExitUsage, absl::StrCat("--tenant: ", s.message()));
  }
  if (args.from != 0 && args.to != 0 && args.from > args.to) {
    return Fail(io, kExitUsage, "--from is after --to");
  }
  if (args.data_dir.empty()) return RunGateExport(args, io);
  std::shared_ptr<std::vector<crypto::MasterKey>> masters;
  if (!args.master_key.empty()) {
    auto keys = crypto::ReadMasterKeyFile(args.master_key);
    if (!keys.ok()) return Fail(io, kExitUsage, keys.status().message());
    masters =
        std::make_shared<std::vector<crypto::MasterKey>>(*std::move(keys));
  }
  ledger::RocksDbOptions options;
  options.read_only = true;
  auto store = ledger::RocksDbStore::Open(args.data_dir, options);
  if (!store.ok()) return Fail(io, kExitUsage, store.status().message());
  std::unique_ptr<ledger::PayloadKeyring> keyring;
  if (masters != nullptr) {
    keyring = std::make_unique<ledger::PayloadKeyring>(**store, masters);
  }

  absl::Status printing;
  uint64_t last = 0;
  absl::Status s = codec::ExportEvidence(
      **store, {args.tenant, args.from, args.to}, keyring.get(),
      [&](const ledger::v1::ExportLine& line) {
        if (line.has_entry()) last = line.entry().sequence();
        return PrintLine(line, io, printing);
      });
  if (!printing.ok()) return Fail(io, kExitFailed, printing.message());
  if (!s.ok()) return Fail(io, kExitFailed, s.message());
  if (args.to == 0) NoteUnprovenTail(**store, args.tenant, last, io);
  return kExitOk;
}

}  // namespace portcullis::cli
