// Where a shared limit counter lives in Redis, and the checks that keep one
// tenant's keys out of another's reach. Every part of a key is validated
// before it is assembled, so no request can name a key outside its
// tenant's hash tag. Pure functions; thread-safe.
//
// Layout: `<key prefix>{<tenant>}:c:<counter>` holds a counter's events,
// `<key prefix>{<tenant>}:s:<counter>` their running sum, and
// `<key prefix>{<tenant>}:t:<batch id>` marks a batch given up (refunded),
// until its longest window ends. The braces are a
// Redis Cluster hash tag: every key of a tenant lands in one slot, so one
// script can charge all of a decision's counters atomically.
#ifndef PORTCULLIS_SHARED_STATE_COUNTER_KEYS_H_
#define PORTCULLIS_SHARED_STATE_COUNTER_KEYS_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace portcullis::shared_state {

inline constexpr size_t kMaxKeyPrefixLength = 64;
inline constexpr size_t kMaxCounterLength = 1024;
inline constexpr size_t kMaxBatchIdLength = 256;

// A key prefix is 0..64 characters of [A-Za-z0-9_.:-] ("portcullis:").
// Returns InvalidArgument naming the problem otherwise.
absl::Status ValidateKeyPrefix(absl::string_view prefix);

// A counter is 1..1024 characters of [A-Za-z0-9_.:@/=%-]: what policy
// evaluation builds ("<tenant>/<rule id>/agent=<percent-encoded id>").
// Braces, spaces, control bytes and anything outside ASCII are refused.
absl::Status ValidateCounter(absl::string_view counter);

// A batch id is 1..256 characters of [A-Za-z0-9_.:@/=-] (a decision id,
// maybe with a suffix). InvalidArgument otherwise.
absl::Status ValidateBatchId(absl::string_view id);

// The key that marks batch `batch_id` given up, after validating all three
// parts. InvalidArgument when one is invalid.
absl::StatusOr<std::string> KeyOfGivenUpBatch(absl::string_view prefix,
                                              absl::string_view tenant,
                                              absl::string_view batch_id);

struct CounterKeys {
  std::string events;  // `<prefix>{<tenant>}:c:<counter>`, a sorted set
  std::string sum;     // `<prefix>{<tenant>}:s:<counter>`, a hash
};

// A counter's keys, after validating all three parts (the tenant with
// ValidateTenantId). Returns InvalidArgument when one is invalid.
absl::StatusOr<CounterKeys> KeysOfCounter(absl::string_view prefix,
                                          absl::string_view tenant,
                                          absl::string_view counter);

}  // namespace portcullis::shared_state

#endif  // PORTCULLIS_SHARED_STATE_COUNTER_KEYS_H_
