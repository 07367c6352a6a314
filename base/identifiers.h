// Validation of the identifiers that travel in requests and end up in
// storage keys, ledger entries and logs. Each rule is strict on purpose: a
// small ASCII alphabet rules out path traversal ("../"), separators, NUL and
// control characters, and Unicode look-alikes before any of them can reach a
// RocksDB key. All functions are pure and thread-safe.
#ifndef PORTCULLIS_BASE_IDENTIFIERS_H_
#define PORTCULLIS_BASE_IDENTIFIERS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace portcullis {

inline constexpr size_t kMaxTenantIdLength = 63;
inline constexpr size_t kMaxToolNameLength = 128;
inline constexpr size_t kMaxAgentIdLength = 128;
inline constexpr size_t kMaxArgumentNameLength = 64;
inline constexpr size_t kMaxRequestIdLength = 128;
inline constexpr size_t kDecisionIdLength = 32;
inline constexpr size_t kMaxReplicaNameLength = 64;

// A tenant id is 1..63 characters of [a-z0-9-_], starting with [a-z0-9].
// Returns InvalidArgument naming the problem otherwise.
absl::Status ValidateTenantId(absl::string_view id);

// A tool name is 1..128 characters of [A-Za-z0-9_.-], starting with a letter.
absl::Status ValidateToolName(absl::string_view name);

// An agent id is 1..128 characters of [A-Za-z0-9_.:@-].
absl::Status ValidateAgentId(absl::string_view id);

// An argument name is 1..64 characters of [a-z0-9_], starting with [a-z_].
absl::Status ValidateArgumentName(absl::string_view name);

// Request, correlation, session and idempotency ids are optional (empty is
// fine) and otherwise 1..128 printable ASCII characters without spaces.
// `field` names the field in the error message.
absl::Status ValidateOpaqueId(absl::string_view field, absl::string_view id);

// A decision id is exactly 32 lowercase hex characters.
absl::Status ValidateDecisionId(absl::string_view id);

// A replica name (the gate's `replica`, written into every ledger entry it
// appends) is 1..64 characters of [A-Za-z0-9._-], starting with a letter or
// a digit: a Kubernetes pod name or a short host name fits.
absl::Status ValidateReplicaName(absl::string_view name);

}  // namespace portcullis

#endif  // PORTCULLIS_BASE_IDENTIFIERS_H_
