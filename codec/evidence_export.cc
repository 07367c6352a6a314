#include "codec/evidence_export.h"

#include <google/protobuf/util/json_util.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/checkpoint.h"
#include "ledger/evidence.h"
#include "ledger/sealed_payload.h"

namespace portcullis::codec {
namespace {

namespace lv1 = ::portcullis::ledger::v1;

std::string Bytes(const crypto::Digest& d) {
  return std::string(crypto::AsBytes(d));
}

// Fills the payload fields of `out` from what is stored.
absl::Status FillPayload(const ledger::StoredEntry& stored,
                         const ledger::PayloadKeyring* keyring,
                         lv1::ExportedEntry& out) {
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

lv1::ExportLine EntryLine(const ledger::Entry& e) {
  lv1::ExportLine line;
  lv1::ExportedEntry& out = *line.mutable_entry();
  out.set_version(e.version);
  out.set_sequence(e.sequence);
  out.set_time_unix_nanos(absl::ToUnixNanos(e.time));
  out.set_tenant(e.tenant);
  out.set_kind(e.kind);
  out.set_request_id(e.request_id);
  out.set_correlation_id(e.correlation_id);
  out.set_decision_id(e.decision_id);
  out.set_action_digest(e.action_digest);
  out.set_replica(e.replica);
  out.set_payload_digest(Bytes(e.payload_digest));
  out.set_previous_hash(Bytes(e.previous_hash));
  out.set_hash(Bytes(e.hash));
  return line;
}

absl::Status Stopped() {
  return absl::CancelledError("the export's reader went away");
}

}  // namespace

absl::Status ExportEvidence(
    const ledger::KeyValueStore& store, const EvidenceRange& range,
    const ledger::PayloadKeyring* keyring,
    absl::FunctionRef<bool(const lv1::ExportLine&)> emit) {
  const std::string& tenant = range.tenant;
  absl::StatusOr<std::vector<std::string>> notes =
      ledger::CheckpointNotes(store, tenant);
  if (!notes.ok()) return notes.status();
  std::vector<ledger::SignedCheckpoint> checkpoints;
  for (const std::string& note : *notes) {
    auto parsed = ledger::ParseCheckpoint(note);
    if (!parsed.ok()) {
      return absl::DataLossError(absl::StrCat(
          "a stored checkpoint does not parse (", parsed.status().message(),
          "); run `portcullis ledger verify`"));
    }
    checkpoints.push_back(*std::move(parsed));
  }
  if (checkpoints.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("tenant ", tenant,
                     " has no signed checkpoint yet, so nothing can be "
                     "proven; the gate signs one within its checkpoint "
                     "interval"));
  }
  const uint64_t latest = checkpoints.back().checkpoint.size;
  const uint64_t from = range.from == 0 ? 1 : range.from;
  const uint64_t to = range.to == 0 ? latest : range.to;
  if (from > to) {
    return absl::InvalidArgumentError(
        absl::StrCat("the range starts at ", from, ", after its end ", to));
  }
  if (to > latest) {
    return absl::FailedPreconditionError(
        absl::StrCat("entries after ", latest,
                     " are not covered by a signed checkpoint yet"));
  }
  size_t covering = 0;
  while (checkpoints[covering].checkpoint.size < to) ++covering;
  const uint64_t tree_size = checkpoints[covering].checkpoint.size;

  lv1::ExportLine header;
  header.mutable_header()->set_format(kEvidenceExportFormat);
  header.mutable_header()->set_tenant(tenant);
  header.mutable_header()->set_from_sequence(from);
  header.mutable_header()->set_to_sequence(to);
  header.mutable_header()->set_proof_tree_size(tree_size);
  header.mutable_header()->set_decrypted(keyring != nullptr);
  if (!emit(header)) return Stopped();
  lv1::ExportLine checkpoint;
  checkpoint.mutable_checkpoint()->set_note((*notes)[covering]);
  if (!emit(checkpoint)) return Stopped();
  if (covering + 1 < checkpoints.size()) {
    auto proof = ledger::ConsistencyProof(store, tenant, tree_size, latest);
    if (!proof.ok()) return proof.status();
    lv1::ExportLine consistency;
    consistency.mutable_consistency()->set_old_size(tree_size);
    consistency.mutable_consistency()->set_new_size(latest);
    for (const crypto::Digest& h : *proof) {
      consistency.mutable_consistency()->add_hashes(Bytes(h));
    }
    if (!emit(consistency)) return Stopped();
    lv1::ExportLine newest;
    newest.mutable_checkpoint()->set_note(notes->back());
    if (!emit(newest)) return Stopped();
  }

  absl::Status problem;
  absl::Status read = ledger::ReadStoredEntries(
      store, tenant, from, to, [&](const ledger::StoredEntry& stored) {
        lv1::ExportLine line = EntryLine(stored.entry);
        problem = FillPayload(stored, keyring, *line.mutable_entry());
        if (!problem.ok()) return false;
        auto proof = ledger::InclusionProof(store, tenant,
                                            stored.entry.sequence, tree_size);
        if (!proof.ok()) {
          problem = proof.status();
          return false;
        }
        for (const crypto::Digest& h : *proof) {
          line.mutable_entry()->add_inclusion_proof(Bytes(h));
        }
        if (!emit(line)) problem = Stopped();
        return problem.ok();
      });
  if (!read.ok()) return read;
  return problem;
}

absl::StatusOr<std::string> ExportLineToJson(const lv1::ExportLine& line) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  auto s = google::protobuf::util::MessageToJsonString(line, &json, options);
  if (!s.ok()) {
    return absl::InternalError(
        absl::StrCat("an export line does not print as JSON: ", s.ToString()));
  }
  return json;
}

}  // namespace portcullis::codec
