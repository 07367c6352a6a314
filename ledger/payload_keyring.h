// PayloadKeyring holds the master keys and the tenants' payload keys, and
// seals and opens stored payloads (sealed_payload.h) for the Ledger and
// for offline tools.
//
// A tenant's key version v is derived from a master key AND a random
// 32-byte secret kept in the ledger ('S' records):
//
//   kdk          = crypto_kdf(master key, subkey 1, context "pcltenan")
//   tenant key v = keyed-BLAKE2b(kdk, "portcullis/ledger/tenant-key/v1" 0x00
//                    || str(tenant) || u32(v) || secret v)
//
// so neither the master key file nor the database alone opens a payload,
// and deleting a tenant's secrets (crypto-shredding) makes its payloads
// unreadable even to someone who kept the master key. Rotation adds a
// version; old versions stay, so old entries stay readable. Every version
// after a tenant's first is written with the entry that records it
// (RotateRecorded): the Ledger rotates, recorded, each tenant whose current
// version derives from a master key that is no longer the current one when
// it opens (TenantsOnRetiredKeys).
//
// Thread-safe. Creating a tenant's first version writes to the store
// (synced) outside the cache lock.
#ifndef PORTCULLIS_LEDGER_PAYLOAD_KEYRING_H_
#define PORTCULLIS_LEDGER_PAYLOAD_KEYRING_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "crypto/aead.h"
#include "crypto/kdf.h"
#include "crypto/master_key_file.h"
#include "crypto/secure_bytes.h"
#include "ledger/key_value_store.h"

namespace portcullis::ledger {

class PayloadKeyring {
 public:
  // `store` must outlive the keyring. `master_keys` are oldest first, the
  // current one last; empty when payloads are not to be sealed.
  PayloadKeyring(
      KeyValueStore& store,
      std::shared_ptr<const std::vector<crypto::MasterKey>> master_keys);

  PayloadKeyring(const PayloadKeyring&) = delete;
  PayloadKeyring& operator=(const PayloadKeyring&) = delete;

  bool can_seal() const { return !master_keys_->empty(); }

  // The key version to seal `tenant`'s next payloads with, creating and
  // durably storing its first version when it has none (the entries sealed
  // with it are its record). Returns 0 when sealing is off and the tenant
  // has no key records (payloads stay plain); FailedPrecondition when
  // sealing is off but the tenant's payloads are sealed (a missing master
  // key must not silently turn into plaintext), and when its current
  // version derives from a retired master key (a new version is made only
  // by RotateRecorded, never here, unrecorded); Unavailable when the store
  // fails.
  absl::StatusOr<uint32_t> PrepareTenant(absl::string_view tenant)
      ABSL_LOCKS_EXCLUDED(mu_, create_mu_);

  // The tenants, sorted, whose newest key version derives from a master
  // key that is not the current one: for the Ledger to rotate, recorded,
  // when it opens. Empty when sealing is off. DataLoss for a malformed key
  // record, Unavailable when the store fails.
  absl::StatusOr<std::vector<std::string>> TenantsOnRetiredKeys() const;

  // A key version drafted but not yet stored: its record, to be written
  // under `record_key`, and the tenant key it derives. Holds secrets.
  struct NewVersion {
    uint32_t version = 0;
    std::string record_key;
    crypto::SecureBytes record;
    crypto::SecureBytes tenant_key;
  };

  // Rotates `tenant`'s key, recorded: drafts its next version and hands it to
  // `write`, which must store its record in the same batch as whatever
  // records the rotation. The version is used only once `write` returns
  // OK; when it fails, nothing of the version exists and its error is
  // returned. FailedPrecondition when sealing is off. Version creation
  // waits while `write` runs; `write` must not create a version itself.
  absl::StatusOr<uint32_t> RotateRecorded(
      absl::string_view tenant,
      absl::FunctionRef<absl::Status(const NewVersion&)> write)
      ABSL_LOCKS_EXCLUDED(mu_, create_mu_);

  // Seal for a version that RotateRecorded is writing (the entry that
  // records it), before its record is stored.
  absl::StatusOr<std::string> SealWith(const NewVersion& key,
                                       absl::string_view tenant,
                                       uint64_t sequence,
                                       absl::string_view plaintext) const;

  // Derives the key of entry `sequence` sealed under `version` into `out`.
  // FailedPrecondition when the version's master key is not configured,
  // DataLoss when the version's record is missing or malformed (a deleted
  // tenant).
  absl::Status EntryKey(absl::string_view tenant, uint32_t version,
                        uint64_t sequence, crypto::DerivedKey& out) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Seals `plaintext` for (`tenant`, `sequence`) under `version` (from
  // PrepareTenant); version 0 frames it unsealed. Takes its nonce from
  // `nonces` when given (see crypto::NonceBatch).
  absl::StatusOr<std::string> Seal(absl::string_view tenant, uint32_t version,
                                   uint64_t sequence,
                                   absl::string_view plaintext,
                                   crypto::NonceBatch* nonces = nullptr) const;

  // The plaintext of a stored payload of an entry of `entry_version`.
  // Errors as EntryKey, and DataLoss when it does not open.
  absl::StatusOr<std::string> Open(absl::string_view tenant, uint64_t sequence,
                                   uint8_t entry_version,
                                   absl::string_view stored) const;

  // Drops the cached keys of `tenant` (after its records were deleted).
  void Forget(absl::string_view tenant) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct TenantKeys {
    bool plain = false;  // checked: no key records, sealing off
    uint32_t current = 0;
    std::string current_master_id;
    std::map<uint32_t, crypto::SecureBytes> keys;
  };

  // The tenant key of `version` from its derivation key and secret.
  static absl::StatusOr<crypto::SecureBytes> DeriveTenantKey(
      const crypto::SecureBytes& kdk, absl::string_view tenant,
      uint32_t version, absl::string_view secret);
  // Loads version `version` of `tenant`'s key into the cache.
  absl::Status LoadTenantKey(absl::string_view tenant, uint32_t version) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // Creates version `version` under the current master key.
  absl::Status CreateVersion(absl::string_view tenant, uint32_t version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(create_mu_);
  // The newest stored version of `tenant` and its master key id; 0 when
  // it has none.
  absl::StatusOr<std::pair<uint32_t, std::string>> StoredCurrent(
      absl::string_view tenant) const;
  const crypto::SecureBytes* DerivationKey(absl::string_view master_id) const;

  KeyValueStore& store_;
  const std::shared_ptr<const std::vector<crypto::MasterKey>> master_keys_;
  // crypto_kdf subkeys of each master key, by master key id.
  std::map<std::string, crypto::SecureBytes, std::less<>> derivation_keys_;

  // Serializes version creation; never held with mu_ across I/O.
  absl::Mutex create_mu_;
  mutable absl::Mutex mu_;
  mutable absl::flat_hash_map<std::string, TenantKeys> tenants_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::ledger

#endif  // PORTCULLIS_LEDGER_PAYLOAD_KEYRING_H_
