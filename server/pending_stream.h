// PendingStream is one WatchPending call on gRPC's callback API: it holds
// no thread. It subscribes to the tenant's approval queue
// (gate::Gate::SubscribePending), sends the open requests as ADDED, then
// each change, one message at a time (the next write starts from
// OnWriteDone). When the replicas of a gate share their approval queues
// (`relay` set), it also subscribes to the requests the other replicas hold
// (ApprovalRelay::SubscribeOthers): those it has seen follow this replica's
// as ADDED, then their changes (ADDED, UPDATED, REMOVED) as the relay's
// Pump sees them, in the same queue.
//
// A reader that does not keep up is not buffered without bound: changes
// wait in a queue of at most `backlog` events; one more ends the stream
// with RESOURCE_EXHAUSTED (the watcher starts again from a fresh listing
// by watching again), and the queue is freed at once.
//
// Owns itself: it is deleted (and unsubscribed) once gRPC is done with the
// call and the admission step that started it has returned. Thread-safe.
#ifndef PORTCULLIS_SERVER_PENDING_STREAM_H_
#define PORTCULLIS_SERVER_PENDING_STREAM_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gate/gate.h"
#include "portcullis/v1/gate.pb.h"
#include "server/approval_relay.h"
#include "server/open_call_quota.h"

namespace portcullis::server {

class PendingStream final : public grpc::ServerWriteReactor<v1::PendingEvent>,
                            public gate::QueueListener,
                            public OthersListener {
 public:
  // `gate`, and `relay` unless null (a gate on its own), must outlive the
  // call. `backlog` is at least 1.
  PendingStream(gate::Gate& gate, ApprovalRelay* relay, size_t backlog)
      : gate_(gate), relay_(relay), backlog_(backlog < 1 ? 1 : backlog) {}

  // Exactly one of Start or Refuse is called, once the caller is admitted
  // or refused.
  void Start(OpenCallQuota::Slot slot, const std::string& tenant)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Refuse(const grpc::Status& status);

  // Under the tenant's lock: queues the event and starts a write when none
  // is in flight; false (unsubscribe) once the reader is too far behind.
  bool OnQueueEvent(const gate::QueueEvent& event) override
      ABSL_LOCKS_EXCLUDED(mu_);
  // Alike, under the relay's lock, for the other replicas' requests.
  bool OnOthersEvent(const v1::PendingEvent& event) override
      ABSL_LOCKS_EXCLUDED(mu_);

  void OnWriteDone(bool ok) override ABSL_LOCKS_EXCLUDED(mu_);
  void OnCancel() override ABSL_LOCKS_EXCLUDED(mu_);
  void OnDone() override { Unref(); }

 private:
  // A change of this replica's queue, or of the others' requests.
  using Event = std::variant<gate::QueueEvent, v1::PendingEvent>;

  ~PendingStream() override;
  // Queues `event` (see OnQueueEvent); false once the stream stops.
  bool Enqueue(Event event) ABSL_LOCKS_EXCLUDED(mu_);
  // Writes the next listed request or queued event, if any. The caller
  // has set `writing_`; it is cleared when there is nothing to write.
  void WriteNext() ABSL_LOCKS_EXCLUDED(mu_);
  // Finishes the call unless it was already finished.
  void FinishOnce(const grpc::Status& status) ABSL_LOCKS_EXCLUDED(mu_);
  void Unref();
  // The status that ends a stream whose reader fell too far behind.
  grpc::Status Overflow() const;
  bool overflowed() ABSL_LOCKS_EXCLUDED(mu_);

  gate::Gate& gate_;
  ApprovalRelay* const relay_;  // null for a gate on its own
  const size_t backlog_;
  std::optional<std::string> subscribed_;  // the tenant, once subscribed

  absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;   // the listing is in place
  bool writing_ ABSL_GUARDED_BY(mu_) = false;   // a write is in flight
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;  // nothing more is written
  bool overflowed_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  OpenCallQuota::Slot slot_ ABSL_GUARDED_BY(mu_);
  std::vector<gate::DecisionState> listing_ ABSL_GUARDED_BY(mu_);
  size_t listed_ ABSL_GUARDED_BY(mu_) = 0;  // how much of it was written
  // The other replicas' requests as the relay last saw them, written
  // after `listing_`.
  std::vector<v1::PendingApproval> others_ ABSL_GUARDED_BY(mu_);
  size_t others_listed_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<Event> queue_ ABSL_GUARDED_BY(mu_);
  v1::PendingEvent out_;  // the message in flight; only the writer uses it
  // gRPC's OnDone and the end of Start or Refuse each hold one.
  std::atomic<int> refs_{2};
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_PENDING_STREAM_H_
