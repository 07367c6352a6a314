#include "server/activity_stream.h"

#include <string>
#include <utility>

#include "base/identifiers.h"
#include "codec/activity_codec.h"
#include "server/status_codec.h"

namespace portcullis::server {

ActivityStream::ActivityStream(grpc::CallbackServerContext& context,
                               const v1::TailActivityRequest& request,
                               const CallGuard& guard, gate::ActivityFeed* feed)
    : feed_(feed) {
  scope_.tenant = request.tenant();
  scope_.from_sequence = request.from_sequence();
  for (const auto& [tenant, from] : request.resume()) {
    scope_.resume[tenant] = from;
  }
  // Identifiers are checked before they reach the guard's records or the
  // feed's keys.
  absl::Status valid = scope_.tenant.empty() ? absl::OkStatus()
                                             : ValidateTenantId(scope_.tenant);
  for (const auto& [tenant, from] : scope_.resume) {
    if (valid.ok()) valid = ValidateTenantId(tenant);
  }
  if (!valid.ok()) {
    absl::MutexLock lock(&mu_);
    admitting_ = false;
    End(ToGrpcStatus(valid));
    return;
  }
  guard.AdmitAsync(context, identity::Method::kTailActivity, scope_.tenant, "",
                   [this](absl::StatusOr<identity::Principal> caller) {
                     Admitted(std::move(caller));
                   });
}

void ActivityStream::Admitted(absl::StatusOr<identity::Principal> caller) {
  absl::MutexLock lock(&mu_);
  admitting_ = false;
  if (cancelled_) {
    End(grpc::Status::CANCELLED);
    return;
  }
  if (!caller.ok()) {
    End(ToGrpcStatus(caller.status()));
    return;
  }
  if (feed_ == nullptr) {
    End(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                     "this gate does not serve the activity stream"));
    return;
  }
  // Every tenant the caller may act for, now and later; nothing else.
  scope_.permits = [principal = *caller](absl::string_view tenant) {
    return principal.MayActFor(tenant);
  };
  // mu_ is held across Subscribe so that a first page delivered at once
  // finds subscription_ set (the feed delivers without its own lock).
  auto subscription = feed_->Subscribe(
      caller->name, std::move(scope_),
      [this](absl::StatusOr<std::vector<gate::ActivityEvent>> page) {
        Deliver(std::move(page));
      });
  if (!subscription.ok()) {
    End(ToGrpcStatus(subscription.status()));
    return;
  }
  subscription_ = *std::move(subscription);
}

void ActivityStream::Deliver(
    absl::StatusOr<std::vector<gate::ActivityEvent>> page) {
  absl::MutexLock lock(&mu_);
  if (finished_ || ending_.has_value()) return;
  if (!page.ok()) {
    End(ToGrpcStatus(page.status()));
    return;
  }
  page_ = *std::move(page);
  next_ = 0;
  WriteNext();
}

void ActivityStream::WriteNext() {
  if (next_ < page_.size()) {
    codec::ActivityEventToProto(page_[next_++], &out_);
    writing_ = true;
    StartWrite(&out_);
    return;
  }
  page_.clear();
  next_ = 0;
  // Lock order: the stream's, then the feed's (Next never waits for a
  // delivery).
  if (subscription_ != nullptr) subscription_->Next();
}

void ActivityStream::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  writing_ = false;
  if (ending_.has_value()) {
    End(*ending_);
    return;
  }
  if (!ok) {  // the caller went away
    End(grpc::Status::CANCELLED);
    return;
  }
  WriteNext();
}

void ActivityStream::OnCancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  // While the guard is still admitting, Admitted finishes: finishing here
  // could delete the stream under its callback.
  if (!admitting_) End(grpc::Status::CANCELLED);
}

void ActivityStream::End(grpc::Status status) {
  if (finished_) return;
  if (writing_) {
    if (!ending_.has_value()) ending_ = std::move(status);
    return;
  }
  finished_ = true;
  Finish(std::move(status));
}

void ActivityStream::OnDone() {
  std::shared_ptr<gate::ActivitySubscription> subscription;
  {
    absl::MutexLock lock(&mu_);
    subscription = std::move(subscription_);
  }
  // Without the lock: Cancel waits for a delivery in progress, which takes
  // it.
  if (subscription != nullptr) subscription->Cancel();
  delete this;
}

}  // namespace portcullis::server
