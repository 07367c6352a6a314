// ActivityStream serves one Admin.TailActivity call with gRPC's callback
// API: it admits the caller (operator or auditor, CallGuard), subscribes to
// the gate's ActivityFeed and writes each page the feed delivers, one
// event at a time, asking for the next page only once the last event of
// this one is written. No thread waits for a slow reader: while it does not
// read, the feed holds one page for it and reads what it missed from the
// ledger later (gate/activity_feed.h).
//
// Owns itself: gRPC calls OnDone once the call is over, which cancels the
// subscription and deletes the stream. Thread-safe.
#ifndef PORTCULLIS_SERVER_ACTIVITY_STREAM_H_
#define PORTCULLIS_SERVER_ACTIVITY_STREAM_H_

#include <grpcpp/support/server_callback.h>

#include <memory>
#include <optional>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gate/activity_feed.h"
#include "portcullis/v1/admin.grpc.pb.h"
#include "server/call_guard.h"

namespace portcullis::server {

class ActivityStream final
    : public grpc::ServerWriteReactor<v1::ActivityEvent> {
 public:
  // Starts serving `request`. `guard` and `feed` (null when the gate serves
  // no activity stream: UNIMPLEMENTED) must outlive the call. Finishes with
  // INVALID_ARGUMENT for a malformed tenant id, UNAUTHENTICATED or
  // PERMISSION_DENIED (recorded) for a refused caller, RESOURCE_EXHAUSTED
  // when the caller holds too many streams, UNAVAILABLE when the gate shuts
  // down, CANCELLED when the caller goes away.
  ActivityStream(grpc::CallbackServerContext& context,
                 const v1::TailActivityRequest& request, const CallGuard& guard,
                 gate::ActivityFeed* feed);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  void Admitted(absl::StatusOr<identity::Principal> caller)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Deliver(absl::StatusOr<std::vector<gate::ActivityEvent>> page)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Writes the next event of the page, or asks the feed for the next page.
  void WriteNext() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Finishes once no write is outstanding; later calls are ignored.
  void End(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  gate::ActivityFeed* const feed_;
  gate::ActivityScope scope_;  // before admission: what was asked for

  absl::Mutex mu_;
  bool admitting_ ABSL_GUARDED_BY(mu_) = true;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> ending_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<gate::ActivitySubscription> subscription_
      ABSL_GUARDED_BY(mu_);
  std::vector<gate::ActivityEvent> page_ ABSL_GUARDED_BY(mu_);
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;
  v1::ActivityEvent out_ ABSL_GUARDED_BY(mu_);  // the write in flight
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_ACTIVITY_STREAM_H_
