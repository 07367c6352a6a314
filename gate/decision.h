// Decision is the gate's answer on one action, in domain terms: the policy
// verdict plus what the gate adds (an id, the policy's identity, the action
// digest, times, the ledger position). server/ translates it to the public
// API. Plain value; thread-safe for concurrent const use.
#ifndef PORTCULLIS_GATE_DECISION_H_
#define PORTCULLIS_GATE_DECISION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "crypto/hash.h"
#include "policy/verdict.h"

namespace portcullis::gate {

struct Decision {
  std::string id;  // 32 lowercase hex characters
  std::string tenant;
  policy::Verdict verdict;
  std::string policy_version;
  std::string policy_hash;  // 64 lowercase hex characters
  crypto::Digest action_digest{};
  absl::Time decided_at;
  // ALLOW: when the grant lapses. PENDING_APPROVAL: the earliest approval
  // deadline. DENY: none.
  std::optional<absl::Time> expires_at;
  // The entry recording the decision; 0 until it is recorded.
  uint64_t ledger_sequence = 0;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_DECISION_H_
