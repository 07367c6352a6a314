#include "cli/ledger_export.h"

#include <google/protobuf/util/json_util.h>

#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "cli/replay_export.h"
#include "crypto/master_key_file.h"
#include "ledger/checkpoint.h"
#include "ledger/evidence.h"
#include "ledger/payload_keyring.h"
#include "ledger/rocksdb_store.h"
#include "ledger/sealed_payload.h"
#include "portcullis/ledger/v1/export.pb.h"

namespace portcullis::cli {
namespace {

namespace v1 = ::portcullis::ledger::v1;

constexpr char kFormat[] = "portcullis/ledger-export/v1";

std::string Bytes(const crypto::Digest& d) {
  return std::string(crypto::AsBytes(d));
}

bool WriteLine(const v1::ExportLine& line, CommandIo& io) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  if (!google::protobuf::util::MessageToJsonString(line, &json, options).ok()) {
    return false;
  }
  io.out << json << "\n";
  return true;
}

// Fills the payload fields of `out` from what is stored.
absl::Status FillPayload(const ledger::StoredEntry& stored,
                         const ledger::PayloadKeyring* keyring,
                         v1::ExportedEntry& out) {
  if (!stored.stored_payload.has_value()) {
    out.set_pruned(true);
    return absl::OkStatus();
  }
  out.set_stored_payload(*stored.stored_payload);
  if (keyring == nullptr) return absl::OkStatus();
  const ledger::Entry& e = stored.entry;
  auto view = ledger::ParseStoredPayload(e.version, *stored.stored_payload);
  if (!view.ok()) return view.status();
  if (!view->sealed) {
    out.set_plaintext(std::string(view->body));
    return absl::OkStatus();
  }
  crypto::DerivedKey key;
  absl::Status s =
      keyring->EntryKey(e.tenant, view->key_version, e.sequence, key);
  if (!s.ok()) return s;
  auto plain = ledger::OpenPayload(key.view(), e.tenant, e.sequence,
                                   *stored.stored_payload);
  if (!plain.ok()) return plain.status();
  out.set_plaintext(*plain);
  out.set_entry_key(std::string(key.view()));
  return absl::OkStatus();
}

v1::ExportLine EntryLine(const ledger::Entry& e) {
  v1::ExportLine line;
  v1::ExportedEntry& out = *line.mutable_entry();
  out.set_version(e.version);
  out.set_sequence(e.sequence);
  out.set_time_unix_nanos(absl::ToUnixNanos(e.time));
  out.set_tenant(e.tenant);
  out.set_kind(e.kind);
  out.set_request_id(e.request_id);
  out.set_correlation_id(e.correlation_id);
  out.set_decision_id(e.decision_id);
  out.set_action_digest(e.action_digest);
  out.set_payload_digest(Bytes(e.payload_digest));
  out.set_previous_hash(Bytes(e.previous_hash));
  out.set_hash(Bytes(e.hash));
  return line;
}

int Fail(CommandIo& io, int code, absl::string_view message) {
  io.err << "portcullis ledger export: " << message << "\n";
  return code;
}

}  // namespace

int RunLedgerExport(const LedgerExportArgs& args, CommandIo& io) {
  if (args.data_dir.empty() || args.tenant.empty()) {
    return Fail(io, kExitUsage, "--data DIR and --tenant T are required");
  }
  // --format replay (issue 7): a recording for `portcullis replay`.
  if (args.format == "replay") return RunReplayExport(args, io);
  if (!args.format.empty() && args.format != "evidence") {
    return Fail(io, kExitUsage,
                absl::StrCat("unknown --format \"", args.format,
                             "\"; use \"evidence\" or \"replay\""));
  }
  if (absl::Status s = ValidateTenantId(args.tenant);
      !s.ok() && args.tenant != "_ledger") {  // the ledger's own chain
    return Fail(io, kExitUsage, absl::StrCat("--tenant: ", s.message()));
  }
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

  auto notes = ledger::CheckpointNotes(**store, args.tenant);
  if (!notes.ok()) return Fail(io, kExitUsage, notes.status().message());
  std::vector<ledger::SignedCheckpoint> checkpoints;
  for (const std::string& note : *notes) {
    auto parsed = ledger::ParseCheckpoint(note);
    if (!parsed.ok()) {
      return Fail(io, kExitFailed,
                  absl::StrCat("a stored checkpoint does not parse (",
                               parsed.status().message(),
                               "); run `portcullis ledger verify`"));
    }
    checkpoints.push_back(*std::move(parsed));
  }
  if (checkpoints.empty()) {
    return Fail(io, kExitFailed,
                absl::StrCat("tenant ", args.tenant,
                             " has no signed checkpoint yet, so nothing can "
                             "be proven; the gate signs one within its "
                             "checkpoint interval"));
  }
  uint64_t latest = checkpoints.back().checkpoint.size;
  uint64_t from = args.from == 0 ? 1 : args.from;
  uint64_t to = args.to == 0 ? latest : args.to;
  if (from > to) return Fail(io, kExitUsage, "--from is after --to");
  if (to > latest) {
    return Fail(io, kExitFailed,
                absl::StrCat("entries after ", latest,
                             " are not covered by a signed checkpoint yet"));
  }
  size_t covering = 0;
  while (checkpoints[covering].checkpoint.size < to) ++covering;
  uint64_t tree_size = checkpoints[covering].checkpoint.size;

  std::unique_ptr<ledger::PayloadKeyring> keyring;
  if (masters != nullptr) {
    keyring = std::make_unique<ledger::PayloadKeyring>(**store, masters);
  }
  v1::ExportLine header;
  header.mutable_header()->set_format(kFormat);
  header.mutable_header()->set_tenant(args.tenant);
  header.mutable_header()->set_from_sequence(from);
  header.mutable_header()->set_to_sequence(to);
  header.mutable_header()->set_proof_tree_size(tree_size);
  header.mutable_header()->set_decrypted(keyring != nullptr);
  WriteLine(header, io);
  v1::ExportLine checkpoint;
  checkpoint.mutable_checkpoint()->set_note((*notes)[covering]);
  WriteLine(checkpoint, io);
  if (covering + 1 < checkpoints.size()) {
    auto proof =
        ledger::ConsistencyProof(**store, args.tenant, tree_size, latest);
    if (!proof.ok()) return Fail(io, kExitFailed, proof.status().message());
    v1::ExportLine consistency;
    consistency.mutable_consistency()->set_old_size(tree_size);
    consistency.mutable_consistency()->set_new_size(latest);
    for (const crypto::Digest& h : *proof) {
      consistency.mutable_consistency()->add_hashes(Bytes(h));
    }
    WriteLine(consistency, io);
    v1::ExportLine newest;
    newest.mutable_checkpoint()->set_note(notes->back());
    WriteLine(newest, io);
  }

  absl::Status problem;
  absl::Status read = ledger::ReadStoredEntries(
      **store, args.tenant, from, to, [&](const ledger::StoredEntry& stored) {
        v1::ExportLine line = EntryLine(stored.entry);
        problem = FillPayload(stored, keyring.get(), *line.mutable_entry());
        if (!problem.ok()) return false;
        auto proof = ledger::InclusionProof(**store, args.tenant,
                                            stored.entry.sequence, tree_size);
        if (!proof.ok()) {
          problem = proof.status();
          return false;
        }
        for (const crypto::Digest& h : *proof) {
          line.mutable_entry()->add_inclusion_proof(Bytes(h));
        }
        return WriteLine(line, io);
      });
  if (!read.ok()) return Fail(io, kExitFailed, read.message());
  if (!problem.ok()) return Fail(io, kExitFailed, problem.message());
  return kExitOk;
}

}  // namespace portcullis::cli
