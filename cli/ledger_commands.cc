#include "cli/ledger_commands.h"

#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/identifiers.h"
#include "cli/progress.h"
#include "crypto/key_file.h"
#include "crypto/master_key_file.h"
#include "ledger/checkpoint_files.h"
#include "ledger/ledger.h"
#include "ledger/rocksdb_store.h"
#include "ledger/verifier.h"

namespace portcullis::cli {
namespace {

int Fail(CommandIo& io, absl::string_view command, int code,
         absl::string_view message) {
  io.err << "portcullis ledger " << command << ": " << message << "\n";
  return code;
}

// Opens the ledger for writing (the gate must be stopped).
// `kept`, the checkpoints kept beside the database, must outlive it.
// `replica` is the --replica flag, usually empty (the ledger's own name).
absl::StatusOr<std::unique_ptr<ledger::Ledger>> OpenWritable(
    const std::string& data_dir, const std::string& replica, const Clock& clock,
    const ledger::CheckpointFiles& kept,
    std::shared_ptr<const std::vector<crypto::MasterKey>> masters = nullptr) {
  ledger::RocksDbOptions options;
  options.create_if_missing = false;
  auto store = ledger::RocksDbStore::Open(data_dir, options);
  if (!store.ok()) {
    return absl::Status(store.status().code(),
                        absl::StrCat(store.status().message(),
                                     " (is the gate still running? stop it "
                                     "first)"));
  }
  ledger::LedgerOptions ledger_options;
  ledger_options.clock = &clock;
  ledger_options.master_keys = std::move(masters);
  ledger_options.checkpoint_files = &kept;
  ledger_options.replica = replica;
  return ledger::Ledger::Open(std::move(*store), ledger_options);
}

// "; recorded as replica R" when the ledger names one.
std::string AsReplica(const ledger::Ledger& ledger) {
  return ledger.replica().empty()
             ? std::string()
             : absl::StrCat(" (recorded as replica ", ledger.replica(), ")");
}

}  // namespace

int RunLedgerVerify(const LedgerVerifyArgs& args, CommandIo& io) {
  if (args.data_dir.empty()) {
    return Fail(io, "verify", kExitUsage, "--data DIR is required");
  }
  if (!args.tenant.empty() && args.tenant != "_ledger") {
    if (absl::Status s = ValidateTenantId(args.tenant); !s.ok()) {
      return Fail(io, "verify", kExitUsage,
                  absl::StrCat("--tenant: ", s.message()));
    }
  }
  std::optional<crypto::VerifyingKey> key;
  if (!args.key.empty()) {
    auto read = crypto::ReadVerifyingKeyFile(args.key);
    if (!read.ok()) {
      return Fail(io, "verify", kExitUsage, read.status().message());
    }
    key = *read;
  }
  // The kept checkpoints first: the gate writes each one after what it
  // covers is durable, so beside a running gate every one read now is
  // covered by the database opened next (read the other way round, a
  // checkpoint signed in between would look like lost entries).
  ledger::CheckpointFiles kept(ledger::KeptCheckpointsDir(args.data_dir));
  auto kept_notes = kept.ReadAll();
  if (!kept_notes.ok()) {
    return Fail(io, "verify", kExitUsage, kept_notes.status().message());
  }
  ledger::RocksDbOptions options;
  options.read_only = true;
  auto store = ledger::RocksDbStore::Open(args.data_dir, options);
  if (absl::IsDataLoss(store.status())) {
    if (args.json) {
      google::protobuf::Struct result;
      SetBool(result, "intact", false);
      SetString(result, "damaged", std::string(store.status().message()));
      PrintJson(io, "ledger verify", result);
      return kExitFailed;
    }
    io.out << "DAMAGED " << store.status().message() << "\n";
    return kExitFailed;
  }
  if (!store.ok()) {
    return Fail(io, "verify", kExitUsage, store.status().message());
  }
  Progress progress(io.err, io.err_is_terminal, "verifying");
  ledger::VerifyOptions verify;
  verify.kept_checkpoints = *std::move(kept_notes);
  verify.tenant = args.tenant;
  verify.key = key ? &*key : nullptr;
  verify.threads = static_cast<int>(args.threads);
  verify.progress = [&](uint64_t done) { progress.Update(done); };
  auto report = ledger::VerifyLedger(**store, verify);
  progress.Done();
  if (!report.ok()) {
    return Fail(io, "verify", kExitUsage, report.status().message());
  }
  if (args.json) {
    google::protobuf::Struct result;
    SetBool(result, "intact", report->clean());
    SetNumber(result, "tenants", static_cast<double>(report->tenants));
    SetNumber(result, "entries", static_cast<double>(report->entries));
    SetNumber(result, "pruned", static_cast<double>(report->pruned));
    SetNumber(result, "checkpoints", static_cast<double>(report->checkpoints));
    SetBool(result, "signaturesChecked", report->signatures_checked);
    google::protobuf::ListValue* replicas =
        (*result.mutable_fields())["replicas"].mutable_list_value();
    for (const std::string& r : report->replicas) {
      replicas->add_values()->set_string_value(r);
    }
    google::protobuf::ListValue* breaks =
        (*result.mutable_fields())["breaks"].mutable_list_value();
    for (const ledger::ChainBreak& b : report->breaks) {
      google::protobuf::Struct* one =
          breaks->add_values()->mutable_struct_value();
      SetString(*one, "tenant", b.tenant);
      SetNumber(*one, "sequence", static_cast<double>(b.sequence));
      SetString(*one, "reason", b.reason);
    }
    PrintJson(io, "ledger verify", result);
    return report->clean() ? kExitOk : kExitFailed;
  }
  for (const ledger::ChainBreak& b : report->breaks) {
    io.out << "TAMPERED tenant " << b.tenant << " at sequence " << b.sequence
           << ": " << b.reason << "\n";
  }
  io.out << "verified " << report->tenants << " tenant"
         << (report->tenants == 1 ? "" : "s") << ", " << report->entries
         << " entr" << (report->entries == 1 ? "y" : "ies");
  if (report->pruned > 0) {
    io.out << " (" << report->pruned << " payloads pruned by retention)";
  }
  io.out << ", " << report->checkpoints << " checkpoint"
         << (report->checkpoints == 1 ? "" : "s") << ": ";
  if (!report->clean()) {
    io.out << report->breaks.size() << " chain"
           << (report->breaks.size() == 1 ? "" : "s") << " broken\n";
    return kExitFailed;
  }
  io.out << "every chain is intact\n";
  if (!report->replicas.empty()) {
    io.out << "entries name replica"
           << (report->replicas.size() == 1 ? "" : "s") << " "
           << absl::StrJoin(report->replicas, ", ") << "\n";
  }
  if (!report->signatures_checked) {
    io.err << "note: checkpoint signatures were not checked; pass --key "
              "GATE.pub\n";
  }
  return kExitOk;
}

int RunLedgerPrune(const LedgerPruneArgs& args, const Clock& clock,
                   CommandIo& io) {
  if (args.data_dir.empty() || args.retention_days == 0) {
    return Fail(io, "prune", kExitUsage,
                "--data DIR and --retention_days N (at least 1) are required");
  }
  if (!args.tenant.empty()) {
    if (absl::Status s = ValidateTenantId(args.tenant); !s.ok()) {
      return Fail(io, "prune", kExitUsage,
                  absl::StrCat("--tenant: ", s.message()));
    }
  }
  ledger::CheckpointFiles kept(ledger::KeptCheckpointsDir(args.data_dir));
  auto ledger = OpenWritable(args.data_dir, args.replica, clock, kept);
  if (!ledger.ok()) {
    return Fail(io, "prune", kExitUsage, ledger.status().message());
  }
  absl::Time cutoff = clock.Now() - absl::Hours(24) * args.retention_days;
  std::vector<std::string> tenants =
      args.tenant.empty() ? (*ledger)->Tenants()
                          : std::vector<std::string>{args.tenant};
  int code = kExitOk;
  for (const std::string& tenant : tenants) {
    auto pruned = (*ledger)->Prune(tenant, cutoff);
    if (!pruned.ok()) {
      io.out << "tenant " << tenant
             << ": not pruned: " << pruned.status().message() << "\n";
      code = kExitFailed;
      continue;
    }
    io.out << "tenant " << tenant << ": " << pruned->newly_pruned
           << " payloads pruned, entries up to " << pruned->pruned_through
           << " have none"
           << (pruned->newly_pruned > 0 ? AsReplica(**ledger) : "") << "\n";
  }
  return code;
}

int RunLedgerDeleteTenant(const LedgerDeleteTenantArgs& args,
                          const Clock& clock, CommandIo& io) {
  if (args.data_dir.empty() || args.tenant.empty()) {
    return Fail(io, "delete-tenant", kExitUsage,
                "--data DIR and --tenant T are required");
  }
  if (absl::Status s = ValidateTenantId(args.tenant); !s.ok()) {
    return Fail(io, "delete-tenant", kExitUsage,
                absl::StrCat("--tenant: ", s.message()));
  }
  if (!args.confirm) {
    return Fail(io, "delete-tenant", kExitUsage,
                absl::StrCat("this destroys every entry and payload key of "
                             "tenant ",
                             args.tenant, " for good; add --confirm"));
  }
  ledger::CheckpointFiles kept(ledger::KeptCheckpointsDir(args.data_dir));
  auto ledger = OpenWritable(args.data_dir, args.replica, clock, kept);
  if (!ledger.ok()) {
    return Fail(io, "delete-tenant", kExitUsage, ledger.status().message());
  }
  if (absl::Status s = (*ledger)->DeleteTenant(args.tenant); !s.ok()) {
    return Fail(io, "delete-tenant", kExitFailed, s.message());
  }
  io.out << "tenant " << args.tenant
         << " deleted; its payload keys are destroyed; the deletion is "
            "recorded on chain _ledger"
         << AsReplica(**ledger) << "\n";
  return kExitOk;
}

int RunLedgerRotateKey(const LedgerRotateKeyArgs& args, const Clock& clock,
                       CommandIo& io) {
  if (args.data_dir.empty() || args.tenant.empty() || args.master_key.empty()) {
    return Fail(io, "rotate-key", kExitUsage,
                "--data DIR, --tenant T and --master_key FILE are required");
  }
  if (absl::Status s = ValidateTenantId(args.tenant); !s.ok()) {
    return Fail(io, "rotate-key", kExitUsage,
                absl::StrCat("--tenant: ", s.message()));
  }
  auto keys = crypto::ReadMasterKeyFile(args.master_key);
  if (!keys.ok()) {
    return Fail(io, "rotate-key", kExitUsage, keys.status().message());
  }
  ledger::CheckpointFiles kept(ledger::KeptCheckpointsDir(args.data_dir));
  auto ledger = OpenWritable(
      args.data_dir, args.replica, clock, kept,
      std::make_shared<std::vector<crypto::MasterKey>>(*std::move(keys)));
  if (!ledger.ok()) {
    return Fail(io, "rotate-key", kExitUsage, ledger.status().message());
  }
  // A mistyped tenant would otherwise begin a chain of its own.
  if (!(*ledger)->Head(args.tenant).has_value()) {
    return Fail(io, "rotate-key", kExitUsage,
                absl::StrCat("tenant ", args.tenant, " has no ledger here"));
  }
  // Record, then apply: the key record and its entry are one write.
  auto version = (*ledger)->RotatePayloadKey(args.tenant, [&](uint32_t v) {
    return ledger::KeyRotationRecord(args.tenant, v, clock.Now(),
                                     ledger::KeyRotationTrigger::kOffline);
  });
  if (!version.ok()) {
    return Fail(io, "rotate-key", kExitFailed, version.status().message());
  }
  io.out << "tenant " << args.tenant << ": payload key version " << *version
         << " is now current; recorded as " << ledger::kKeyRotatedKind
         << " at sequence " << (*ledger)->Head(args.tenant)->sequence
         << AsReplica(**ledger) << "\n";
  return kExitOk;
}

namespace {

// Opens the database as it is, or, when its write-ahead log is damaged,
// salvages the records before the damage; `damage` then says what.
absl::StatusOr<std::unique_ptr<ledger::RocksDbStore>> OpenSalvaging(
    const std::string& data_dir, std::string& damage) {
  ledger::RocksDbOptions options;
  options.create_if_missing = false;
  auto store = ledger::RocksDbStore::Open(data_dir, options);
  if (!absl::IsDataLoss(store.status())) return store;
  damage = std::string(store.status().message());
  options.salvage = true;
  return ledger::RocksDbStore::Open(data_dir, options);
}

}  // namespace

int RunLedgerRecover(const LedgerRecoverArgs& args, const Clock& clock,
                     CommandIo& io) {
  if (args.data_dir.empty()) {
    return Fail(io, "recover", kExitUsage, "--data DIR is required");
  }
  std::string key_path =
      args.key.empty() ? args.data_dir + "/gate.key" : args.key;
  auto key = crypto::ReadSigningKeyFile(key_path);
  if (!key.ok()) {
    return Fail(io, "recover", kExitUsage,
                absl::StrCat(key.status().message(),
                             " (the gate's signing key, to sign the "
                             "recovered chains' checkpoints; --key FILE)"));
  }
  std::string damage;
  auto store = OpenSalvaging(args.data_dir, damage);
  if (!store.ok()) {
    return Fail(io, "recover", kExitUsage,
                absl::StrCat(store.status().message(),
                             " (is the gate still running? stop it first)"));
  }
  if (!damage.empty()) {
    io.out << "salvaged the records before the damage: " << damage << "\n";
  }
  // Entries stored past a chain's head (a torn write) are removed before
  // the ledger opens: its start-up check refuses such a chain.
  auto dropped = ledger::DropEntriesPastHeads(**store);
  if (!dropped.ok()) {
    return Fail(io, "recover", kExitFailed, dropped.status().message());
  }
  ledger::CheckpointFiles kept(ledger::KeptCheckpointsDir(args.data_dir));
  ledger::LedgerOptions options;
  options.clock = &clock;
  options.checkpoints.key = &*key;
  options.checkpoint_files = &kept;
  options.check_kept_checkpoints = false;
  options.replica = args.replica;
  auto ledger = ledger::Ledger::Open(*std::move(store), options);
  if (!ledger.ok()) {
    return Fail(io, "recover", kExitUsage, ledger.status().message());
  }
  if (absl::Status s = (*ledger)->RecordDropped(
          *dropped,
          "stored past the chain's head: a write torn before its head "
          "record, or entries added outside the gate");
      !s.ok()) {
    return Fail(io, "recover", kExitFailed, s.message());
  }
  for (const ledger::DroppedEntries& d : *dropped) {
    io.out << "DROPPED tenant " << d.tenant << ": entries " << d.dropped_from
           << "-" << d.dropped_through << " (stored past its head at "
           << d.kept_through
           << ", never acknowledged); recorded as ledger.recovered at "
              "sequence "
           << d.recorded_at << "\n";
  }
  auto recovered = (*ledger)->RecordLosses(
      damage.empty() ? "behind its checkpoint kept outside the database"
                     : damage);
  if (!recovered.ok()) {
    return Fail(io, "recover", kExitFailed, recovered.status().message());
  }
  for (const ledger::RecoveredChain& c : *recovered) {
    io.out << "LOST tenant " << c.tenant << ": entries " << c.chain_end + 1
           << "-" << c.kept_size
           << " (its kept checkpoint covered them); recorded as "
              "ledger.recovered at sequence "
           << c.recorded_at << "\n";
  }
  std::vector<ledger::TenantRefusal> refused = (*ledger)->Refusals();
  for (const ledger::TenantRefusal& r : refused) {
    io.out << "REFUSED " << r.reason << "\n";
  }
  io.out << "recovered " << recovered->size() << " chain"
         << (recovered->size() == 1 ? "" : "s") << "; ";
  if (!refused.empty()) {
    io.out << refused.size() << " still refused (tampering is not "
           << "recovered: see `portcullis ledger verify`)\n";
    return kExitFailed;
  }
  io.out << (recovered->empty() && damage.empty() && dropped->empty()
                 ? "nothing was lost"
                 : "the gate can start")
         << (recovered->empty() && dropped->empty() ? "" : AsReplica(**ledger))
         << "\n";
  return kExitOk;
}

}  // namespace portcullis::cli
