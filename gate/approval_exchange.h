// ApprovalExchange is the seam through which the replicas of a gate share
// their approval queues (issue 20): a request held by replica A is listed
// by every replica, and an approver's signed verdict sent to replica B is
// relayed to A, which verifies and records it in its own ledger and
// answers B. A gate on its own has none.
//
// The exchange carries opaque bytes: the gRPC edge (server/approval_relay.h)
// fills them with the API's messages, so the exchange and the gate core stay
// free of protobuf. It is trusted for availability only: a relayed verdict
// is a signed statement that the holding replica verifies against its own
// approvers before it counts; a forged one is refused there and recorded.
// Implementations are thread-safe; shared_state/ implements the seam on
// Redis.
#ifndef PORTCULLIS_GATE_APPROVAL_EXCHANGE_H_
#define PORTCULLIS_GATE_APPROVAL_EXCHANGE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace portcullis::gate {

// A request another replica holds.
struct SharedPending {
  std::string replica;      // the replica that holds it
  std::string decision_id;  // a validated decision id
  std::string listing;      // as that replica lists it (opaque)
};

// A call relayed to the replica that holds its request, or its answer.
struct RelayedCall {
  std::string id;     // random, 1..64 of [A-Za-z0-9_-]
  std::string bytes;  // opaque
};

class ApprovalExchange {
 public:
  virtual ~ApprovalExchange() = default;

  // Replaces what this replica lists for `tenant` with `pending` (decision
  // id -> listing), kept for `ttl` unless published again: a replica that
  // stops is forgotten once its last listing expires.
  virtual absl::Status Publish(
      absl::string_view tenant,
      const std::map<std::string, std::string>& pending,
      absl::Duration ttl) = 0;

  // What the other replicas list for `tenant`, in no particular order.
  virtual absl::StatusOr<std::vector<SharedPending>> ListOthers(
      absl::string_view tenant) = 0;

  // Relays `call` to `replica`'s inbox; it waits there for `ttl`.
  virtual absl::Status Send(absl::string_view replica, const RelayedCall& call,
                            absl::Duration ttl) = 0;
  // Takes up to `max` calls relayed to this replica, oldest first.
  virtual absl::StatusOr<std::vector<RelayedCall>> Receive(size_t max) = 0;

  // Answers a relayed call; the answer waits for `ttl`.
  virtual absl::Status Answer(const RelayedCall& answer,
                              absl::Duration ttl) = 0;
  // Takes the answer to call `id`, or nullopt when none has come yet.
  virtual absl::StatusOr<std::optional<std::string>> TakeAnswer(
      absl::string_view id) = 0;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_APPROVAL_EXCHANGE_H_
