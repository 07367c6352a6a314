// ApprovalRelay lets the replicas of a gate share their approval queues
// through an ApprovalExchange (issue 20, gate/approval_exchange.h), so an
// approver need not find which pod holds a request:
//
// - Each replica publishes the requests it holds, as ListPending shows
//   them and naming itself, whenever its queue changes (and every few
//   seconds, so a replica that stops is forgotten); ListPending at any
//   replica adds the others'.
// - An Approve whose request this replica does not hold is relayed, the
//   signed statement as the approver sent it, to the replica that lists
//   it. That replica verifies and records it in its own ledger as if it
//   had been sent there (Gate::Approve), so its AwaitDecision resolves,
//   and answers; the Approve here returns that answer.
//
// The exchange is trusted for availability only: what it relays is a
// signed statement, verified where it is recorded. Thread-safe.
#ifndef PORTCULLIS_SERVER_APPROVAL_RELAY_H_
#define PORTCULLIS_SERVER_APPROVAL_RELAY_H_

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gate/approval_exchange.h"
#include "gate/gate.h"
#include "portcullis/v1/gate.pb.h"

namespace portcullis::server {

struct ApprovalRelayOptions {
  // This replica's name, in what it publishes.
  std::string replica;
  // How long a publication outlives its replica.
  absl::Duration listing_ttl = absl::Seconds(10);
  // Publish every tenant's queue at least this often, changed or not.
  absl::Duration republish_every = absl::Seconds(3);
  // How long a relayed call, and its answer, wait to be taken.
  absl::Duration call_ttl = absl::Seconds(30);
  // The most relayed calls one Pump answers.
  size_t max_calls_per_pump = 64;
};

class ApprovalRelay {
 public:
  // `gate` and `exchange` must outlive the relay.
  ApprovalRelay(gate::Gate& gate, gate::ApprovalExchange& exchange,
                ApprovalRelayOptions options);
  ~ApprovalRelay();
  ApprovalRelay(const ApprovalRelay&) = delete;
  ApprovalRelay& operator=(const ApprovalRelay&) = delete;

  // Adds to `out` the requests the other replicas hold for `tenant`, each
  // naming its replica. Unavailable when the exchange cannot be read (then
  // nothing is added).
  absl::Status AddOthersPending(
      absl::string_view tenant,
      google::protobuf::RepeatedPtrField<v1::PendingApproval>* out);

  // Relays `request`, whose request this replica does not hold, to the
  // replica that lists it, and waits up to `patience` for its answer.
  // Errors: the holder's; NotFound when no replica lists it; Unavailable
  // when the exchange cannot be reached; DeadlineExceeded when no answer
  // came in time (the holder may still record it: AwaitDecision or
  // ListPending tell).
  absl::StatusOr<v1::ApproveResponse> Relay(const v1::ApproveRequest& request,
                                            absl::string_view caller,
                                            absl::Duration patience);

  // Called often on one thread (the daemon: every 100 ms): publishes the
  // queues that changed (every queue each republish_every), then answers
  // the calls relayed here. Returns the first failure; what failed is
  // tried again at the next Pump.
  absl::Status Pump();

 private:
  class QueueWatch;

  absl::Status Publish(absl::string_view tenant);
  absl::Status AnswerCalls();
  std::string AnswerOne(const std::string& bytes);
  // Subscribes to the queue of every tenant of the policy in force.
  void WatchTenants();

  gate::Gate& gate_;
  gate::ApprovalExchange& exchange_;
  const ApprovalRelayOptions options_;

  // Only Pump's thread uses these.
  std::map<std::string, std::unique_ptr<QueueWatch>> watches_;
  absl::Time last_full_publish_ = absl::InfinitePast();
  // The ids of calls answered lately: a call relayed twice (a retried
  // send) is answered once.
  std::deque<std::string> answered_;
  absl::flat_hash_set<std::string> answered_ids_;
};

// Approve as the Gate service and the console do: `request` (its approval
// present) at `gate`, and, when this replica does not hold the request,
// through `relay` (null when approvals are not shared) at the one that
// does. `caller` is the transport's principal.
absl::StatusOr<v1::ApproveResponse> ApproveAnywhere(
    gate::Gate& gate, ApprovalRelay* relay, const v1::ApproveRequest& request,
    absl::string_view caller, absl::Duration patience);

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_APPROVAL_RELAY_H_
