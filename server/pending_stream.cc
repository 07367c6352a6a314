#include "server/pending_stream.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "codec/approval_codec.h"
#include "codec/decision_codec.h"
#include "server/status_codec.h"

namespace portcullis::server {
namespace {

v1::PendingEvent::Kind KindToProto(gate::QueueEvent::Kind kind) {
  switch (kind) {
    case gate::QueueEvent::Kind::kAdded:
      return v1::PendingEvent::KIND_ADDED;
    case gate::QueueEvent::Kind::kUpdated:
      return v1::PendingEvent::KIND_UPDATED;
    case gate::QueueEvent::Kind::kResolved:
      return v1::PendingEvent::KIND_RESOLVED;
  }
  return v1::PendingEvent::KIND_UNSPECIFIED;
}

void EventToProto(const gate::QueueEvent& event, v1::PendingEvent* out) {
  out->Clear();
  out->set_kind(KindToProto(event.kind));
  codec::PendingToProto(event.state, out->mutable_pending());
  if (event.kind == gate::QueueEvent::Kind::kResolved) {
    codec::DecisionToProto(event.state.current, out->mutable_decision());
  }
}

}  // namespace

PendingStream::~PendingStream() {
  if (!subscribed_) return;
  gate_.UnsubscribePending(*subscribed_, this);
  if (relay_ != nullptr) relay_->UnsubscribeOthers(*subscribed_, this);
}

void PendingStream::Start(OpenCallQuota::Slot slot, const std::string& tenant) {
  {
    absl::MutexLock lock(&mu_);
    if (!finished_) slot_ = std::move(slot);
  }
  absl::StatusOr<std::vector<gate::DecisionState>> listing =
      gate_.SubscribePending(tenant, this);
  if (!listing.ok()) {
    FinishOnce(ToGrpcStatus(listing.status()));
    Unref();
    return;
  }
  subscribed_ = tenant;
  // The others' requests, as the relay last saw them (none when it was
  // not watching this tenant yet: its next Pump sends them as ADDED).
  std::vector<v1::PendingApproval> others;
  if (relay_ != nullptr) others = relay_->SubscribeOthers(tenant, this);
  bool write;
  {
    absl::MutexLock lock(&mu_);
    listing_ = *std::move(listing);
    if (!stopping_) others_ = std::move(others);
    started_ = true;
    write = !stopping_ && !writing_ &&
            (!listing_.empty() || !others_.empty() || !queue_.empty());
    if (write) writing_ = true;
  }
  if (write) WriteNext();
  Unref();
}

void PendingStream::Refuse(const grpc::Status& status) {
  FinishOnce(status);
  Unref();
}

bool PendingStream::OnQueueEvent(const gate::QueueEvent& event) {
  return Enqueue(event);
}

bool PendingStream::OnOthersEvent(const v1::PendingEvent& event) {
  return Enqueue(event);
}

bool PendingStream::Enqueue(Event event) {
  bool write = false;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    if (queue_.size() < backlog_) {
      queue_.push_back(std::move(event));
      write = started_ && !writing_;
      if (write) writing_ = true;
    } else {
      // Too far behind: free what is queued, leave the queue's listeners,
      // and end the stream — once the write in flight completes
      // (OnWriteDone) when there is one.
      overflowed_ = true;
      stopping_ = true;
      queue_.clear();
      listing_.clear();
      others_.clear();
      if (writing_) return false;
    }
  }
  if (write) {
    WriteNext();
    return true;
  }
  if (!overflowed()) return true;
  FinishOnce(Overflow());
  return false;
}

bool PendingStream::overflowed() {
  absl::MutexLock lock(&mu_);
  return overflowed_;
}

void PendingStream::WriteNext() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      writing_ = false;
      return;
    }
    if (listed_ < listing_.size()) {
      EventToProto({gate::QueueEvent::Kind::kAdded, listing_[listed_++]},
                   &out_);
      if (listed_ == listing_.size()) {
        listing_.clear();
        listing_.shrink_to_fit();
        listed_ = 0;
      }
    } else if (others_listed_ < others_.size()) {
      out_.Clear();
      out_.set_kind(v1::PendingEvent::KIND_ADDED);
      *out_.mutable_pending() = std::move(others_[others_listed_++]);
      if (others_listed_ == others_.size()) {
        others_.clear();
        others_.shrink_to_fit();
        others_listed_ = 0;
      }
    } else if (!queue_.empty()) {
      if (auto* local = std::get_if<gate::QueueEvent>(&queue_.front())) {
        EventToProto(*local, &out_);
      } else {
        out_ = std::get<v1::PendingEvent>(std::move(queue_.front()));
      }
      queue_.pop_front();
    } else {
      writing_ = false;
      return;
    }
  }
  StartWrite(&out_);
}

void PendingStream::OnWriteDone(bool ok) {
  bool overflowed;
  {
    absl::MutexLock lock(&mu_);
    if (!ok) {  // the caller is gone: OnCancel follows
      stopping_ = true;
      writing_ = false;
      return;
    }
    overflowed = overflowed_;
    if (overflowed) writing_ = false;
  }
  if (!overflowed) {
    WriteNext();
    return;
  }
  FinishOnce(Overflow());
}

grpc::Status PendingStream::Overflow() const {
  return grpc::Status(
      grpc::StatusCode::RESOURCE_EXHAUSTED,
      absl::StrCat("this watcher fell more than ", backlog_,
                   " changes behind; watch again to start from a fresh "
                   "listing"));
}

void PendingStream::OnCancel() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    queue_.clear();
    listing_.clear();
    others_.clear();
  }
  FinishOnce(grpc::Status::CANCELLED);
}

void PendingStream::FinishOnce(const grpc::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    finished_ = true;
    stopping_ = true;
    slot_ = OpenCallQuota::Slot();  // the stream ends here
  }
  Finish(status);
}

void PendingStream::Unref() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

}  // namespace portcullis::server
