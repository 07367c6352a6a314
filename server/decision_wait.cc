#include "server/decision_wait.h"

#include "codec/decision_codec.h"
#include "server/status_codec.h"

namespace portcullis::server {

void DecisionWait::Start(OpenCallQuota::Slot slot, const std::string& tenant,
                         const std::string& decision_id,
                         absl::Duration max_wait) {
  bool cancelled;
  {
    absl::MutexLock lock(&mu_);
    cancelled = cancelled_;
    if (!cancelled) slot_ = std::move(slot);
  }
  if (cancelled) {
    Finish(grpc::Status::CANCELLED);
  } else {
    const uint64_t id = gate_.AwaitDecisionAsync(
        tenant, decision_id, max_wait,
        [this](absl::StatusOr<gate::Decision> d) { Answer(std::move(d)); });
    {
      absl::MutexLock lock(&mu_);
      wait_id_ = id;
      cancelled = cancelled_;
    }
    // Cancelled while registering: OnCancel found no wait to remove.
    if (cancelled && gate_.CancelAwait(id)) Finish(grpc::Status::CANCELLED);
  }
  Unref();
}

void DecisionWait::Refuse(const grpc::Status& status) {
  Finish(status);
  Unref();
}

void DecisionWait::OnCancel() {
  uint64_t id;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    id = wait_id_;
    // Given back before the wait is removed: once the gate counts one wait
    // fewer, so does the quota.
    slot_ = OpenCallQuota::Slot();
  }
  // Whoever removes the wait answers: here, or the callback (which runs
  // exactly when the removal fails).
  if (gate_.CancelAwait(id)) Finish(grpc::Status::CANCELLED);
}

void DecisionWait::Answer(absl::StatusOr<gate::Decision> decision) {
  {
    absl::MutexLock lock(&mu_);
    slot_ = OpenCallQuota::Slot();
  }
  if (!decision.ok()) {
    Finish(ToGrpcStatus(decision.status()));
    return;
  }
  codec::DecisionToProto(*decision, response_->mutable_decision());
  Finish(grpc::Status::OK);
}

void DecisionWait::Unref() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

}  // namespace portcullis::server
