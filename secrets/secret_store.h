// SecretStore keeps credentials that tools need — API keys, passwords —
// sealed at rest, so that the gate, not the agent, holds them. Each value
// is encrypted with XChaCha20-Poly1305 under a per-tenant key derived from
// the master key, with the tenant, the name and the version as associated
// data: a sealed value moved to another tenant or name does not open.
// Values come back only in secure memory (crypto::SecureBytes), and no
// method ever returns one to a caller outside the gate.
//
// Thread-safe.
#ifndef PORTCULLIS_SECRETS_SECRET_STORE_H_
#define PORTCULLIS_SECRETS_SECRET_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "crypto/master_key_file.h"
#include "crypto/secure_bytes.h"
#include "ledger/key_value_store.h"

namespace portcullis::secrets {

inline constexpr size_t kMaxSecretBytes = 16 << 10;

// Only a secret whose name starts with this may be released to the MCP
// gateway for an upstream's environment or headers (Admin
// .ResolveUpstreamSecret); every other secret never leaves the gate.
inline constexpr char kUpstreamSecretPrefix[] = "upstream.";

// A secret name is 1..64 characters of [a-z0-9_.-], starting with a letter
// or digit. InvalidArgument otherwise.
absl::Status ValidateSecretName(absl::string_view name);

// What may be said about a secret: never its value.
struct SecretInfo {
  std::string name;
  uint32_t version = 0;
  absl::Time updated_at;
};

class SecretStore {
 public:
  // Records a change before it is applied (the gate's ledger entry): called
  // with the store's lock held, after every check and with the value
  // sealed, just before the write. A change it refuses is not applied: its
  // error is returned and nothing is written.
  using RecordChange = absl::FunctionRef<absl::Status(const SecretInfo&)>;
  static absl::Status NoRecord(const SecretInfo&) { return absl::OkStatus(); }

  // `store`, `clock` and the keys must outlive the SecretStore; the last
  // master key seals, any of them opens.
  SecretStore(ledger::KeyValueStore& store,
              std::shared_ptr<const std::vector<crypto::MasterKey>> master_keys,
              const Clock& clock)
      : store_(store), master_keys_(std::move(master_keys)), clock_(clock) {}

  // Stores a new secret (version 1). AlreadyExists when the name is taken,
  // InvalidArgument for a bad tenant or name or an empty or oversize
  // value, Unavailable when it cannot be written (after `record` accepted
  // it: the record then names a change that was not applied).
  absl::StatusOr<SecretInfo> Put(absl::string_view tenant,
                                 absl::string_view name,
                                 const crypto::SecureBytes& value,
                                 RecordChange record = NoRecord)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Replaces an existing secret's value with the next version. NotFound
  // when there is no such secret; otherwise as Put.
  absl::StatusOr<SecretInfo> Rotate(absl::string_view tenant,
                                    absl::string_view name,
                                    const crypto::SecureBytes& value,
                                    RecordChange record = NoRecord)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Removes a secret; NotFound when there is none. `record` is told the
  // version removed.
  absl::Status Delete(absl::string_view tenant, absl::string_view name,
                      RecordChange record = NoRecord) ABSL_LOCKS_EXCLUDED(mu_);

  // The tenant's secrets, by name.
  absl::StatusOr<std::vector<SecretInfo>> List(absl::string_view tenant) const;

  // The value, for the gate's own use (a connector call). NotFound when
  // there is none, DataLoss when it does not open.
  absl::StatusOr<crypto::SecureBytes> Resolve(absl::string_view tenant,
                                              absl::string_view name) const;

 private:
  absl::StatusOr<SecretInfo> Write(absl::string_view tenant,
                                   absl::string_view name,
                                   const crypto::SecureBytes& value,
                                   bool replace, RecordChange record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  ledger::KeyValueStore& store_;
  const std::shared_ptr<const std::vector<crypto::MasterKey>> master_keys_;
  const Clock& clock_;
  // Serializes read-modify-write of versions.
  absl::Mutex mu_;
};

}  // namespace portcullis::secrets

#endif  // PORTCULLIS_SECRETS_SECRET_STORE_H_
