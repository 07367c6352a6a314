// DecisionWait is one AwaitDecision call on gRPC's callback API: it holds
// no thread while the decision is pending. The wait is registered with the
// gate (gate::Gate::AwaitDecisionAsync) and answered by whichever comes
// first: the decision resolving, the wait running out (the gate's timer),
// or the caller hanging up or passing its deadline (OnCancel, which also
// removes the registration). Every path gives back the caller's slot in the
// per-principal quota as the call ends.
//
// Owns itself: it is deleted once gRPC is done with the call and the
// admission step that started it has returned. Thread-safe.
#ifndef PORTCULLIS_SERVER_DECISION_WAIT_H_
#define PORTCULLIS_SERVER_DECISION_WAIT_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gate/gate.h"
#include "portcullis/v1/gate.pb.h"
#include "server/open_call_quota.h"

namespace portcullis::server {

class DecisionWait final : public grpc::ServerUnaryReactor {
 public:
  // `gate` must outlive the call; `response` is gRPC's, valid until
  // OnDone.
  DecisionWait(gate::Gate& gate, v1::AwaitDecisionResponse* response)
      : gate_(gate), response_(response) {}

  // Exactly one of Start or Refuse is called, once the caller is admitted
  // or refused; either may finish the call before returning.
  void Start(OpenCallQuota::Slot slot, const std::string& tenant,
             const std::string& decision_id, absl::Duration max_wait)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Refuse(const grpc::Status& status);

  void OnCancel() override ABSL_LOCKS_EXCLUDED(mu_);
  void OnDone() override { Unref(); }

 private:
  ~DecisionWait() override = default;
  void Answer(absl::StatusOr<gate::Decision> decision);
  void Unref();

  gate::Gate& gate_;
  v1::AwaitDecisionResponse* const response_;
  absl::Mutex mu_;
  OpenCallQuota::Slot slot_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t wait_id_ ABSL_GUARDED_BY(mu_) = 0;
  // gRPC's OnDone and the end of Start or Refuse each hold one.
  std::atomic<int> refs_{2};
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_DECISION_WAIT_H_
