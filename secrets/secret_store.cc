#include "secrets/secret_store.h"

#include "absl/strings/str_cat.h"
#include "base/canonical_encoding.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "crypto/aead.h"
#include "crypto/kdf.h"

namespace portcullis::secrets {
namespace {

constexpr absl::string_view kKeyDomain("portcullis/secrets/key/v1\0", 26);
constexpr absl::string_view kValueDomain("portcullis/secrets/value/v1\0", 28);
constexpr uint8_t kFormat = 1;
constexpr char kTag = 'S';

// 'S' len(tenant) tenant name: disjoint per tenant, as in the ledger.
std::string Key(absl::string_view tenant, absl::string_view name) {
  std::string key(1, kTag);
  key.push_back(static_cast<char>(tenant.size()));
  key.append(tenant.data(), tenant.size());
  key.append(name.data(), name.size());
  return key;
}

std::string TenantPrefix(absl::string_view tenant) {
  std::string key(1, kTag);
  key.push_back(static_cast<char>(tenant.size()));
  key.append(tenant.data(), tenant.size());
  return key;
}

std::string AssociatedData(absl::string_view tenant, absl::string_view name,
                           uint32_t version) {
  CanonicalWriter w;
  w.Fixed(kValueDomain);
  w.String(tenant);
  w.String(name);
  w.U32(version);
  return w.Release();
}

absl::StatusOr<crypto::SecureBytes> TenantKey(const crypto::MasterKey& master,
                                              absl::string_view tenant) {
  CanonicalWriter w;
  w.Fixed(kKeyDomain);
  w.String(tenant);
  return crypto::KeyedHash(master.key.view(), w.bytes());
}

// A stored record: format, master key id, version, time, sealed value.
struct Stored {
  std::string master_key_id;
  uint32_t version = 0;
  absl::Time updated_at;
  std::string sealed;
};

std::string Encode(const Stored& s) {
  CanonicalWriter w;
  w.Byte(kFormat);
  w.String(s.master_key_id);
  w.U32(s.version);
  w.I64(absl::ToUnixNanos(s.updated_at));
  w.String(s.sealed);
  return w.Release();
}

absl::StatusOr<Stored> Decode(absl::string_view bytes) {
  CanonicalReader r(bytes);
  Stored s;
  PORTCULLIS_ASSIGN_OR_RETURN(uint8_t format, r.Byte());
  if (format != kFormat) return absl::DataLossError("unknown secret format");
  PORTCULLIS_ASSIGN_OR_RETURN(absl::string_view id, r.String());
  s.master_key_id = std::string(id);
  PORTCULLIS_ASSIGN_OR_RETURN(s.version, r.U32());
  PORTCULLIS_ASSIGN_OR_RETURN(int64_t nanos, r.I64());
  s.updated_at = absl::FromUnixNanos(nanos);
  PORTCULLIS_ASSIGN_OR_RETURN(absl::string_view sealed, r.String());
  s.sealed = std::string(sealed);
  if (!r.done()) return absl::DataLossError("secret record too long");
  return s;
}

absl::Status CheckNames(absl::string_view tenant, absl::string_view name) {
  if (absl::Status s = ValidateTenantId(tenant); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("tenant: ", s.message()));
  }
  return ValidateSecretName(name);
}

}  // namespace

absl::Status ValidateSecretName(absl::string_view name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (size_t i = 0; ok && i < name.size(); ++i) {
    char c = name[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    ok = alnum || (i > 0 && (c == '_' || c == '.' || c == '-'));
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        "secret name: 1-64 characters of a-z 0-9 _ . -, starting with a "
        "letter or digit");
  }
  return absl::OkStatus();
}

absl::StatusOr<SecretInfo> SecretStore::Put(absl::string_view tenant,
                                            absl::string_view name,
                                            const crypto::SecureBytes& value,
                                            RecordChange record) {
  absl::MutexLock lock(&mu_);
  return Write(tenant, name, value, /*replace=*/false, record);
}

absl::StatusOr<SecretInfo> SecretStore::Rotate(absl::string_view tenant,
                                               absl::string_view name,
                                               const crypto::SecureBytes& value,
                                               RecordChange record) {
  absl::MutexLock lock(&mu_);
  return Write(tenant, name, value, /*replace=*/true, record);
}

absl::StatusOr<SecretInfo> SecretStore::Write(absl::string_view tenant,
                                              absl::string_view name,
                                              const crypto::SecureBytes& value,
                                              bool replace,
                                              RecordChange record) {
  PORTCULLIS_RETURN_IF_ERROR(CheckNames(tenant, name));
  if (value.empty() || value.size() > kMaxSecretBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a secret's value is 1 to ", kMaxSecretBytes, " bytes"));
  }
  PORTCULLIS_ASSIGN_OR_RETURN(auto existing, store_.Get(Key(tenant, name)));
  if (existing.has_value() && !replace) {
    return absl::AlreadyExistsError(absl::StrCat(
        "secret ", name, " exists for ", tenant, "; rotate it instead"));
  }
  if (!existing.has_value() && replace) {
    return absl::NotFoundError(
        absl::StrCat("no secret ", name, " for ", tenant, " to rotate"));
  }
  uint32_t version = 1;
  if (existing.has_value()) {
    PORTCULLIS_ASSIGN_OR_RETURN(Stored old, Decode(*existing));
    version = old.version + 1;
  }
  const crypto::MasterKey& master = master_keys_->back();
  PORTCULLIS_ASSIGN_OR_RETURN(crypto::SecureBytes key,
                              TenantKey(master, tenant));
  Stored stored;
  stored.master_key_id = master.id;
  stored.version = version;
  stored.updated_at = clock_.Now();
  PORTCULLIS_ASSIGN_OR_RETURN(
      stored.sealed, crypto::AeadSeal(key.view(), value.view(),
                                      AssociatedData(tenant, name, version)));
  SecretInfo info{std::string(name), version, stored.updated_at};
  PORTCULLIS_RETURN_IF_ERROR(record(info));  // recorded, then applied
  ledger::WriteBatch batch;
  batch.Put(Key(tenant, name), Encode(stored));
  PORTCULLIS_RETURN_IF_ERROR(store_.Write(batch, /*sync=*/true));
  return info;
}

absl::Status SecretStore::Delete(absl::string_view tenant,
                                 absl::string_view name, RecordChange record) {
  PORTCULLIS_RETURN_IF_ERROR(CheckNames(tenant, name));
  absl::MutexLock lock(&mu_);
  PORTCULLIS_ASSIGN_OR_RETURN(auto existing, store_.Get(Key(tenant, name)));
  if (!existing.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("no secret ", name, " for ", tenant));
  }
  PORTCULLIS_ASSIGN_OR_RETURN(Stored old, Decode(*existing));
  PORTCULLIS_RETURN_IF_ERROR(
      record(SecretInfo{std::string(name), old.version, clock_.Now()}));
  ledger::WriteBatch batch;
  batch.Delete(Key(tenant, name));
  return store_.Write(batch, /*sync=*/true);
}

absl::StatusOr<std::vector<SecretInfo>> SecretStore::List(
    absl::string_view tenant) const {
  if (absl::Status s = ValidateTenantId(tenant); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("tenant: ", s.message()));
  }
  std::string prefix = TenantPrefix(tenant);
  std::string end = prefix;
  end.back() = static_cast<char>(end.back() + 1);
  std::vector<SecretInfo> out;
  absl::Status problem;
  PORTCULLIS_RETURN_IF_ERROR(store_.Scan(
      prefix, end, false, [&](absl::string_view key, absl::string_view value) {
        auto stored = Decode(value);
        if (!stored.ok()) {
          problem = stored.status();
          return false;
        }
        out.push_back({std::string(key.substr(prefix.size())), stored->version,
                       stored->updated_at});
        return true;
      }));
  PORTCULLIS_RETURN_IF_ERROR(problem);
  return out;
}

absl::StatusOr<crypto::SecureBytes> SecretStore::Resolve(
    absl::string_view tenant, absl::string_view name) const {
  PORTCULLIS_RETURN_IF_ERROR(CheckNames(tenant, name));
  PORTCULLIS_ASSIGN_OR_RETURN(auto existing, store_.Get(Key(tenant, name)));
  if (!existing.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("no secret ", name, " for ", tenant));
  }
  PORTCULLIS_ASSIGN_OR_RETURN(Stored stored, Decode(*existing));
  for (const crypto::MasterKey& master : *master_keys_) {
    if (master.id != stored.master_key_id) continue;
    PORTCULLIS_ASSIGN_OR_RETURN(crypto::SecureBytes key,
                                TenantKey(master, tenant));
    return crypto::AeadOpenSecure(key.view(), stored.sealed,
                                  AssociatedData(tenant, name, stored.version));
  }
  return absl::DataLossError(absl::StrCat(
      "secret ", name, " was sealed with master key ", stored.master_key_id,
      ", which is not in the master key file"));
}

}  // namespace portcullis::secrets
