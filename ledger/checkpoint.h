// Signed checkpoints: a tenant's tree size, Merkle root, chain head and
// time, signed by the gate in the C2SP signed-note / tlog-checkpoint text
// format, so transparency-log tooling can read and check them:
//
//   portcullis/checkpoint/v1/<gate key id>/<tenant>      origin
//   1204                                                  tree size
//   <base64 Merkle root>                                  RFC 6962, SHA-256
//   head <base64 chain hash of entry 1204>                extension lines
//   time 2026-01-04T12:00:00Z
//   replica agent-0                                       only when named
//   <empty line>
//   — portcullis-gate-<key id> <base64(key hash[4] || Ed25519 signature)>
//
// The origin line domain-separates the signature ("portcullis/checkpoint/
// v1") and binds the gate key and the tenant, so a checkpoint cannot be
// replayed as another tenant's. Pure functions; thread-safe.
#ifndef PORTCULLIS_LEDGER_CHECKPOINT_H_
#define PORTCULLIS_LEDGER_CHECKPOINT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"

namespace portcullis::ledger {

struct Checkpoint {
  std::string tenant;
  std::string key_id;     // crypto::KeyId of the signing key
  uint64_t size = 0;      // entries 1..size are covered
  crypto::Digest root{};  // Merkle root of the first `size` leaves
  crypto::Digest head{};  // chain hash of entry `size`
  absl::Time time;        // when the gate signed it
  // The replica that signed it (a `replica` extension line); empty when
  // the gate names none (LedgerOptions::replica).
  std::string replica;
};

// A parsed signed note: the checkpoint, its signed text and its signature
// made by the key named `key_name` with 4-byte key hash `key_hash`.
struct SignedCheckpoint {
  Checkpoint checkpoint;
  std::string body;  // the signed text, ending in a newline
  std::string key_name;
  uint32_t key_hash = 0;
  std::string signature;  // 64 bytes
};

// "portcullis/checkpoint/v1/<key id>/<tenant>".
std::string CheckpointOrigin(absl::string_view key_id,
                             absl::string_view tenant);

// The signed-note key name of the gate key: "portcullis-gate-<key id>".
std::string NoteKeyName(const crypto::VerifyingKey& key);

// The signed-note verifier key, as note tooling takes it:
// "<name>+<8 hex digits of key hash>+<base64(0x01 || public key)>".
std::string NoteVerifierKey(const crypto::VerifyingKey& key);

// Formats and signs `checkpoint` (its key_id is taken from `key`). Returns
// the whole note text.
std::string SignCheckpoint(Checkpoint checkpoint,
                           const crypto::SigningKey& key);

// Parses a signed checkpoint note. Returns InvalidArgument naming the first
// line that does not follow the format. The signature is not checked.
absl::StatusOr<SignedCheckpoint> ParseCheckpoint(absl::string_view note);

// True when the note carries a valid signature by `key` under its note key
// name and key hash.
bool VerifyCheckpointSignature(const SignedCheckpoint& note,
                               const crypto::VerifyingKey& key);

}  // namespace portcullis::ledger

#endif  // PORTCULLIS_LEDGER_CHECKPOINT_H_
