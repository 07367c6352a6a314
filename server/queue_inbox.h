// The approval-queue events a console event stream (console_streams.cc)
// has not written yet: this replica's, delivered under the tenant's lock,
// and, when approvals are shared, the other replicas', delivered on the
// relay's thread. The stream takes them and writes them with no lock held.
// At most `backlog` wait: one more ends the stream (the listener returns
// false and is unsubscribed), and the console, reconnecting, gets a fresh
// listing instead of a gap it cannot see.
//
// Thread-safe.
#ifndef PORTCULLIS_SERVER_QUEUE_INBOX_H_
#define PORTCULLIS_SERVER_QUEUE_INBOX_H_

#include <cstddef>
#include <deque>
#include <optional>
#include <utility>
#include <variant>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gate/tenant_state.h"
#include "portcullis/v1/gate.pb.h"
#include "server/approval_relay.h"

namespace portcullis::server {

class QueueInbox final : public gate::QueueListener, public OthersListener {
 public:
  using Item = std::variant<gate::QueueEvent, v1::PendingEvent>;
  static constexpr size_t kDefaultBacklog = 256;

  explicit QueueInbox(size_t backlog = kDefaultBacklog)
      : backlog_(backlog < 1 ? 1 : backlog) {}

  bool OnQueueEvent(const gate::QueueEvent& event) override {
    return Push(event);
  }
  bool OnOthersEvent(const v1::PendingEvent& event) override {
    return Push(event);
  }

  // Waits up to `wait` for events and takes them, oldest first; nullopt
  // once more than the backlog waited.
  std::optional<std::deque<Item>> Take(absl::Duration wait) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(this, &QueueInbox::Ready), wait);
    if (overflowed_) return std::nullopt;
    return std::exchange(items_, {});
  }

 private:
  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return overflowed_ || !items_.empty();
  }
  bool Push(Item item) {
    absl::MutexLock lock(&mu_);
    if (overflowed_) return false;
    if (items_.size() >= backlog_) {
      overflowed_ = true;
      items_.clear();
      return false;
    }
    items_.push_back(std::move(item));
    return true;
  }

  const size_t backlog_;
  absl::Mutex mu_;
  std::deque<Item> items_ ABSL_GUARDED_BY(mu_);
  bool overflowed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_QUEUE_INBOX_H_
