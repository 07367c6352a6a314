#include "ledger/payload_keyring.h"

#include "absl/strings/str_cat.h"
#include "base/canonical_encoding.h"
#include "base/status_macros.h"
#include "crypto/kdf.h"
#include "crypto/random.h"
#include "ledger/internal/chain_state.h"
#include "ledger/internal/keys.h"
#include "ledger/sealed_payload.h"

namespace portcullis::ledger {
namespace {

using ledger_internal::KeyRecordKey;

constexpr uint8_t kKeyRecordVersion = 1;
constexpr size_t kSecretSize = 32;
constexpr char kDerivationContext[] = "pcltenan";
constexpr absl::string_view kTenantKeyDomain(
    "portcullis/ledger/tenant-key/v1\0", 32);

struct KeyRecord {
  std::string master_id;
  crypto::SecureBytes secret;
};

absl::StatusOr<KeyRecord> DecodeKeyRecord(absl::string_view bytes) {
  CanonicalReader r(bytes);
  auto version = r.Byte();
  auto master_id = r.String();
  auto secret = r.Fixed(kSecretSize);
  if (!version.ok() || *version != kKeyRecordVersion || !master_id.ok() ||
      !secret.ok() || !r.done()) {
    return absl::DataLossError("a payload key record is malformed");
  }
  return KeyRecord{std::string(*master_id),
                   crypto::SecureBytes::CopyOf(*secret)};
}

}  // namespace

PayloadKeyring::PayloadKeyring(
    KeyValueStore& store,
    std::shared_ptr<const std::vector<crypto::MasterKey>> master_keys)
    : store_(store),
      master_keys_(master_keys != nullptr
                       ? std::move(master_keys)
                       : std::make_shared<std::vector<crypto::MasterKey>>()) {
  for (const crypto::MasterKey& m : *master_keys_) {
    auto kdk = crypto::DeriveSubkey(m.key, 1, kDerivationContext);
    if (kdk.ok()) derivation_keys_.emplace(m.id, *std::move(kdk));
  }
}

const crypto::SecureBytes* PayloadKeyring::DerivationKey(
    absl::string_view master_id) const {
  auto it = derivation_keys_.find(master_id);
  return it == derivation_keys_.end() ? nullptr : &it->second;
}

absl::StatusOr<std::pair<uint32_t, std::string>> PayloadKeyring::StoredCurrent(
    absl::string_view tenant) const {
  std::string prefix =
      ledger_internal::TenantPrefix(ledger_internal::kKeyTag, tenant);
  std::pair<uint32_t, std::string> current{0, ""};
  absl::Status problem;
  PORTCULLIS_RETURN_IF_ERROR(store_.Scan(
      prefix, ledger_internal::PrefixEnd(prefix), /*reverse=*/true,
      [&](absl::string_view key, absl::string_view value) {
        CanonicalReader r(key.substr(prefix.size()));
        auto version = r.U32();
        auto record = DecodeKeyRecord(value);
        if (!version.ok() || !r.done() || !record.ok()) {
          problem = absl::DataLossError(absl::StrCat(
              "a payload key record of tenant ", tenant, " is malformed"));
        } else {
          current = {*version, record->master_id};
        }
        return false;
      }));
  PORTCULLIS_RETURN_IF_ERROR(problem);
  return current;
}

absl::Status PayloadKeyring::CreateVersion(absl::string_view tenant,
                                           uint32_t version) {
  const crypto::MasterKey& master = master_keys_->back();
  std::string secret = crypto::RandomBytes(kSecretSize);
  CanonicalWriter w;
  w.Byte(kKeyRecordVersion);
  w.String(master.id);
  w.Fixed(secret);
  std::fill(secret.begin(), secret.end(), '\0');
  WriteBatch batch;
  batch.Put(KeyRecordKey(tenant, version), w.Release());
  absl::Status s = store_.Write(batch, /*sync=*/true);
  std::fill(batch.puts[0].second.begin(), batch.puts[0].second.end(), '\0');
  if (!s.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "cannot store a payload key for tenant ", tenant, ": ", s.message()));
  }
  absl::MutexLock lock(&mu_);
  TenantKeys& keys = tenants_[tenant];
  keys.current = version;
  keys.current_master_id = master.id;
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> PayloadKeyring::PrepareTenant(
    absl::string_view tenant) {
  {
    absl::MutexLock lock(&mu_);
    auto it = tenants_.find(tenant);
    if (it != tenants_.end()) {
      if (!can_seal() && it->second.plain) return 0u;
      if (can_seal() && it->second.current != 0 &&
          it->second.current_master_id == master_keys_->back().id) {
        return it->second.current;
      }
    }
  }
  absl::MutexLock create(&create_mu_);
  PORTCULLIS_ASSIGN_OR_RETURN(auto stored, StoredCurrent(tenant));
  if (!can_seal()) {
    if (stored.first != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "tenant ", tenant,
          "'s payloads are encrypted but no master key is configured; "
          "nothing is recorded in plaintext instead"));
    }
    absl::MutexLock lock(&mu_);
    tenants_[tenant].plain = true;
    return 0u;
  }
  if (stored.first != 0 && stored.second == master_keys_->back().id) {
    absl::MutexLock lock(&mu_);
    TenantKeys& keys = tenants_[tenant];
    keys.current = stored.first;
    keys.current_master_id = stored.second;
    return stored.first;
  }
  if (stored.first != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "tenant ", tenant, "'s payload key version ", stored.first,
        " derives from master key ", stored.second,
        ", which is no longer the current one, and was not rotated when the "
        "ledger opened; nothing is sealed with a retired master key"));
  }
  PORTCULLIS_RETURN_IF_ERROR(CreateVersion(tenant, 1));
  return 1u;
}

absl::StatusOr<std::vector<std::string>> PayloadKeyring::TenantsOnRetiredKeys()
    const {
  std::vector<std::string> retired;
  if (!can_seal()) return retired;
  PORTCULLIS_ASSIGN_OR_RETURN(std::vector<std::string> tenants,
                              ledger_internal::StoredTenants(
                                  store_, std::string{ledger_internal::kKeyTag},
                                  /*include_ledger_chain=*/false));
  for (std::string& tenant : tenants) {
    PORTCULLIS_ASSIGN_OR_RETURN(auto stored, StoredCurrent(tenant));
    if (stored.first != 0 && stored.second != master_keys_->back().id) {
      retired.push_back(std::move(tenant));
    }
  }
  return retired;
}

absl::StatusOr<crypto::SecureBytes> PayloadKeyring::DeriveTenantKey(
    const crypto::SecureBytes& kdk, absl::string_view tenant, uint32_t version,
    absl::string_view secret) {
  CanonicalWriter w;
  w.Fixed(kTenantKeyDomain);
  w.String(tenant);
  w.U32(version);
  w.Fixed(secret);
  std::string input = w.Release();
  absl::StatusOr<crypto::SecureBytes> key =
      crypto::KeyedHash(kdk.view(), input);
  std::fill(input.begin(), input.end(), '\0');
  return key;
}

absl::StatusOr<uint32_t> PayloadKeyring::RotateRecorded(
    absl::string_view tenant,
    absl::FunctionRef<absl::Status(const NewVersion&)> write) {
  if (!can_seal()) {
    return absl::FailedPreconditionError(
        "rotating a payload key needs the master key file");
  }
  absl::MutexLock create(&create_mu_);
  PORTCULLIS_ASSIGN_OR_RETURN(auto stored, StoredCurrent(tenant));
  const crypto::MasterKey& master = master_keys_->back();
  const crypto::SecureBytes* kdk = DerivationKey(master.id);
  if (kdk == nullptr) {
    return absl::InternalError("the current master key has no derivation key");
  }
  NewVersion key;
  key.version = stored.first + 1;
  key.record_key = KeyRecordKey(tenant, key.version);
  std::string secret = crypto::RandomBytes(kSecretSize);
  CanonicalWriter w;
  w.Byte(kKeyRecordVersion);
  w.String(master.id);
  w.Fixed(secret);
  std::string record = w.Release();
  key.record = crypto::SecureBytes::CopyOf(record);
  std::fill(record.begin(), record.end(), '\0');
  absl::StatusOr<crypto::SecureBytes> tenant_key =
      DeriveTenantKey(*kdk, tenant, key.version, secret);
  std::fill(secret.begin(), secret.end(), '\0');
  if (!tenant_key.ok()) return tenant_key.status();
  key.tenant_key = *std::move(tenant_key);
  // Record, then apply: the version exists only once its record and what
  // records the rotation are stored together.
  PORTCULLIS_RETURN_IF_ERROR(write(key));
  absl::MutexLock lock(&mu_);
  TenantKeys& keys = tenants_[tenant];
  keys.plain = false;
  keys.current = key.version;
  keys.current_master_id = master.id;
  keys.keys.insert_or_assign(key.version, std::move(key.tenant_key));
  return key.version;
}

absl::StatusOr<std::string> PayloadKeyring::SealWith(
    const NewVersion& key, absl::string_view tenant, uint64_t sequence,
    absl::string_view plaintext) const {
  crypto::DerivedKey entry_key;
  PORTCULLIS_RETURN_IF_ERROR(
      DeriveEntryKey(key.tenant_key.view(), sequence, entry_key));
  return SealPayload(entry_key.view(), key.version, tenant, sequence,
                     plaintext);
}

absl::Status PayloadKeyring::LoadTenantKey(absl::string_view tenant,
                                           uint32_t version) const {
  PORTCULLIS_ASSIGN_OR_RETURN(auto stored,
                              store_.Get(KeyRecordKey(tenant, version)));
  if (!stored.has_value()) {
    return absl::DataLossError(absl::StrCat("tenant ", tenant,
                                            " has no payload key version ",
                                            version, " (deleted?)"));
  }
  PORTCULLIS_ASSIGN_OR_RETURN(KeyRecord record, DecodeKeyRecord(*stored));
  const crypto::SecureBytes* kdk = DerivationKey(record.master_id);
  if (kdk == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("tenant ", tenant, "'s payload key version ", version,
                     " derives from master key ", record.master_id,
                     ", which is not in the master key file"));
  }
  absl::StatusOr<crypto::SecureBytes> key =
      DeriveTenantKey(*kdk, tenant, version, record.secret.view());
  if (!key.ok()) return key.status();
  absl::MutexLock lock(&mu_);
  tenants_[tenant].keys.emplace(version, *std::move(key));
  return absl::OkStatus();
}

absl::Status PayloadKeyring::EntryKey(absl::string_view tenant,
                                      uint32_t version, uint64_t sequence,
                                      crypto::DerivedKey& out) const {
  for (int attempt = 0; attempt < 2; ++attempt) {
    {
      absl::MutexLock lock(&mu_);
      auto it = tenants_.find(tenant);
      if (it != tenants_.end()) {
        auto key = it->second.keys.find(version);
        if (key != it->second.keys.end()) {
          return DeriveEntryKey(key->second.view(), sequence, out);
        }
      }
    }
    PORTCULLIS_RETURN_IF_ERROR(LoadTenantKey(tenant, version));
  }
  return absl::InternalError("a loaded payload key vanished");
}

absl::StatusOr<std::string> PayloadKeyring::Seal(
    absl::string_view tenant, uint32_t version, uint64_t sequence,
    absl::string_view plaintext, crypto::NonceBatch* nonces) const {
  if (version == 0) return FramePlainPayload(plaintext);
  crypto::DerivedKey key;
  PORTCULLIS_RETURN_IF_ERROR(EntryKey(tenant, version, sequence, key));
  return SealPayload(key.view(), version, tenant, sequence, plaintext, nonces);
}

absl::StatusOr<std::string> PayloadKeyring::Open(
    absl::string_view tenant, uint64_t sequence, uint8_t entry_version,
    absl::string_view stored) const {
  PORTCULLIS_ASSIGN_OR_RETURN(StoredPayloadView view,
                              ParseStoredPayload(entry_version, stored));
  if (!view.sealed) return std::string(view.body);
  crypto::DerivedKey key;
  PORTCULLIS_RETURN_IF_ERROR(EntryKey(tenant, view.key_version, sequence, key));
  return OpenPayload(key.view(), tenant, sequence, stored);
}

void PayloadKeyring::Forget(absl::string_view tenant) {
  absl::MutexLock lock(&mu_);
  tenants_.erase(tenant);
}

}  // namespace portcullis::ledger
