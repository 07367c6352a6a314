// The Ledger's storage of state snapshots (see Ledger::PutStateSnapshot)
// and its checkpoint listener.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/canonical_encoding.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "ledger/internal/keys.h"
#include "ledger/ledger.h"

namespace portcullis::ledger {

using ledger_internal::SnapshotKey;

absl::Status Ledger::PutStateSnapshot(absl::string_view tenant,
                                      uint64_t sequence,
                                      absl::string_view data) {
  PORTCULLIS_RETURN_IF_ERROR(ValidateTenantId(tenant));
  absl::MutexLock snapshots(&snapshot_mu_);
  {
    absl::MutexLock lock(&mu_);
    auto it = states_.find(tenant);
    if (it == states_.end() || it->second.sequence == 0) {
      return absl::NotFoundError("no such tenant in the ledger");
    }
    if (sequence == 0 || sequence > it->second.sequence) {
      return absl::InvalidArgumentError(
          "a state snapshot must cover an entry of the chain");
    }
  }
  // Sealed like a payload of entry `sequence`: the same key derivation and
  // framing, so a snapshot is as confidential as the entries it summarizes.
  PORTCULLIS_ASSIGN_OR_RETURN(uint32_t version,
                              keyring_->PrepareTenant(tenant));
  PORTCULLIS_ASSIGN_OR_RETURN(std::string sealed,
                              keyring_->Seal(tenant, version, sequence, data));
  CanonicalWriter value;
  value.U64(sequence);
  value.Fixed(sealed);
  WriteBatch batch;
  batch.Put(SnapshotKey(tenant), value.Release());
  absl::Status status = store_->Write(batch, /*sync=*/false);
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "the state snapshot could not be written: ", status.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<StoredSnapshot>> Ledger::GetStateSnapshot(
    absl::string_view tenant) const {
  PORTCULLIS_RETURN_IF_ERROR(ValidateTenantId(tenant));
  PORTCULLIS_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                              store_->Get(SnapshotKey(tenant)));
  if (!stored.has_value()) return std::nullopt;
  CanonicalReader r(*stored);
  absl::StatusOr<uint64_t> sequence = r.U64();
  if (!sequence.ok() || *sequence == 0) {
    return absl::DataLossError("the state snapshot's header is damaged");
  }
  absl::string_view sealed = absl::string_view(*stored).substr(8);
  absl::StatusOr<std::string> data =
      keyring_->Open(tenant, *sequence, kEntryVersion2, sealed);
  if (!data.ok()) {
    return absl::DataLossError(absl::StrCat(
        "the state snapshot does not open: ", data.status().message()));
  }
  return StoredSnapshot{*sequence, *std::move(data)};
}

uint64_t Ledger::PrunedThrough(absl::string_view tenant) const {
  absl::MutexLock lock(&mu_);
  auto it = states_.find(tenant);
  return it == states_.end() ? 0 : it->second.pruned_through;
}

void Ledger::SetCheckpointListener(CheckpointListener* listener) {
  absl::MutexLock lock(&listener_mu_);
  listener_ = listener;
}

void Ledger::TellCheckpointed(const std::vector<SignedNote>& notes) {
  if (notes.empty()) return;
  absl::MutexLock lock(&listener_mu_);
  if (listener_ == nullptr) return;
  for (const SignedNote& n : notes) listener_->OnCheckpointed(n.tenant, n.size);
}

}  // namespace portcullis::ledger
