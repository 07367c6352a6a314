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
// - WatchPending at any replica streams the others' requests too: Pump
//   reads the other replicas' listings of each tenant that has a watcher
//   (OthersListener), and tells each watcher what changed since it last
//   looked: ADDED, UPDATED, or REMOVED once the holder no longer lists it.
//
// The exchange is trusted for availability only: what it relays is a
// signed statement, verified where it is recorded. Thread-safe.
#ifndef PORTCULLIS_SERVER_APPROVAL_RELAY_H_
#define PORTCULLIS_SERVER_APPROVAL_RELAY_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/any_invocable.h"
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
  // The most relayed calls waiting for their answers at once; one more is
  // refused (ResourceExhausted) before it is sent.
  size_t max_waiting_calls = 256;
  // The most relayed calls one Pump answers.
  size_t max_calls_per_pump = 64;
};

// Told of changes to the requests other replicas hold for one tenant
// (ApprovalRelay::SubscribeOthers). Called on the thread that runs Pump,
// under the relay's lock: it must not block or call the relay. Returns
// false to leave (as UnsubscribeOthers would).
class OthersListener {
 public:
  virtual ~OthersListener() = default;
  // `event` is KIND_ADDED, KIND_UPDATED or KIND_REMOVED; its `pending`
  // names the replica that holds (or held) the request.
  virtual bool OnOthersEvent(const v1::PendingEvent& event) = 0;
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

  // Tells `listener` of each change Pump sees in what the other replicas
  // list for `tenant`, until UnsubscribeOthers (or it returns false), and
  // returns what they list as this relay last read it: empty when no
  // listener of the tenant was subscribed yet (the next Pump reads them,
  // and sends each as ADDED). When the exchange cannot be read, nothing
  // changes until it can again: a request is not REMOVED because the
  // shared store is unreachable.
  std::vector<v1::PendingApproval> SubscribeOthers(absl::string_view tenant,
                                                   OthersListener* listener)
      ABSL_LOCKS_EXCLUDED(others_mu_);
  // After it returns, `listener` is not called again.
  void UnsubscribeOthers(absl::string_view tenant, OthersListener* listener)
      ABSL_LOCKS_EXCLUDED(others_mu_);
  // How many listeners the tenant has.
  size_t OthersListeners(absl::string_view tenant)
      ABSL_LOCKS_EXCLUDED(others_mu_);

  // What a relayed Approve is answered with.
  using Answered =
      absl::AnyInvocable<void(absl::StatusOr<v1::ApproveResponse>) &&>;

  // Relays `request`, whose request this replica does not hold, to the
  // replica that lists it, and gives `done` its answer within `patience`.
  // The call is sent on this thread (round trips to the exchange); its
  // answer is waited for on the relay's own thread (`gate-relay-wait`),
  // which looks for the answers of every waiting call in turn, so no
  // caller's thread is held meanwhile. `done` runs on that thread, or on
  // this one when the call was not sent. Errors: the holder's; NotFound
  // when no replica lists it; Unavailable when the exchange cannot be
  // reached, or the relay is stopping; ResourceExhausted when
  // max_waiting_calls already wait (nothing was sent); DeadlineExceeded
  // when no answer came in time (the holder may still record it:
  // AwaitDecision or ListPending tell).
  void RelayAsync(const v1::ApproveRequest& request, absl::string_view caller,
                  absl::Duration patience, Answered done)
      ABSL_LOCKS_EXCLUDED(waiting_mu_);
  // The same, waiting on this thread.
  absl::StatusOr<v1::ApproveResponse> Relay(const v1::ApproveRequest& request,
                                            absl::string_view caller,
                                            absl::Duration patience)
      ABSL_LOCKS_EXCLUDED(waiting_mu_);
  // How many relayed calls wait for their answers now.
  size_t waiting_calls() ABSL_LOCKS_EXCLUDED(waiting_mu_);

  // Called often on one thread (the daemon: every 100 ms): publishes the
  // queues that changed (every queue each republish_every), tells the
  // OthersListeners what changed in the other replicas' listings, then
  // answers the calls relayed here. Returns the first failure; what failed is
  // tried again at the next Pump.
  absl::Status Pump();
  // How many Pumps have returned.
  uint64_t pumps() const { return pumps_.load(); }

 private:
  class QueueWatch;

  // What the others list for one tenant, decision id -> listing.
  using Listings = std::map<std::string, v1::PendingApproval>;
  // The other replicas' listings of `tenant` that parse and are its own.
  absl::StatusOr<Listings> ReadOthers(absl::string_view tenant);
  // Reads the listings of every tenant with OthersListeners and tells
  // them what changed.
  absl::Status PumpOthers() ABSL_LOCKS_EXCLUDED(others_mu_);

  // A relayed call sent and not answered yet.
  struct Waiting {
    std::string holder;  // the replica it was sent to
    absl::Time deadline;
    Answered done;
  };
  // Sends `request` to the replica that lists it; returns the call's id
  // and that replica.
  absl::StatusOr<std::pair<std::string, std::string>> SendCall(
      const v1::ApproveRequest& request, absl::string_view caller);
  // The relay's waiting thread: takes the answers of the waiting calls
  // every kAnswerPoll, ends those past their deadlines, and, once
  // stopping, ends the rest.
  void AwaitAnswers() ABSL_LOCKS_EXCLUDED(waiting_mu_);

  absl::Status Publish(absl::string_view tenant);
  absl::Status AnswerCalls();
  std::string AnswerOne(const std::string& bytes);
  // Subscribes to the queue of every tenant of the policy in force.
  void WatchTenants();

  gate::Gate& gate_;
  gate::ApprovalExchange& exchange_;
  const ApprovalRelayOptions options_;

  // The tenants with OthersListeners: what they were last told.
  struct Watched {
    std::vector<OthersListener*> listeners;
    Listings seen;
  };
  absl::Mutex others_mu_;
  std::map<std::string, Watched, std::less<>> others_
      ABSL_GUARDED_BY(others_mu_);

  std::atomic<uint64_t> pumps_{0};

  // The relayed calls waiting for their answers, by call id, and the
  // calls being sent (counted against max_waiting_calls too).
  absl::Mutex waiting_mu_;
  std::map<std::string, Waiting> waiting_ ABSL_GUARDED_BY(waiting_mu_);
  size_t sending_ ABSL_GUARDED_BY(waiting_mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(waiting_mu_) = false;
  std::thread waiter_;  // started by the first call relayed

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
// does (RelayAsync: `done` may run on the relay's thread). `caller` is the
// transport's principal.
void ApproveAnywhereAsync(gate::Gate& gate, ApprovalRelay* relay,
                          const v1::ApproveRequest& request,
                          absl::string_view caller, absl::Duration patience,
                          ApprovalRelay::Answered done);
// The same, waiting on this thread.
absl::StatusOr<v1::ApproveResponse> ApproveAnywhere(
    gate::Gate& gate, ApprovalRelay* relay, const v1::ApproveRequest& request,
    absl::string_view caller, absl::Duration patience);

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_APPROVAL_RELAY_H_
