// The console API's two Server-Sent Events streams (docs/console.md): the
// approval queue's events of a tenant (GET /api/v1/tenants/{t}/events) and
// the gate's activity (GET /api/v1/activity, /api/v1/tenants/{t}/activity).
// Each holds one of a bounded number of slots for as long as it streams.
#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/identifiers.h"
#include "codec/activity_codec.h"
#include "codec/approval_codec.h"
#include "codec/decision_codec.h"
#include "gate/activity_event.h"
#include "portcullis/v1/gate.pb.h"
#include "server/console_api.h"
#include "server/queue_inbox.h"

namespace portcullis::server {
namespace {

// A place among a bounded number of streams, given back when the stream
// (or the answer that never got to stream) is gone.
class Slot {
 public:
  explicit Slot(std::atomic<int>& streams) : streams_(streams) {}
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  ~Slot() { streams_.fetch_sub(1); }

 private:
  std::atomic<int>& streams_;
};

// The pages the activity feed delivered and the stream has not written
// yet: at most one page (the feed delivers the next after Next) and a
// final error.
struct ActivityInbox {
  absl::Mutex mu;
  std::deque<absl::StatusOr<std::vector<gate::ActivityEvent>>> pages
      ABSL_GUARDED_BY(mu);
};

// One activity stream's subscription: cancelled when the answer is gone,
// whether it streamed or not.
struct ActivityTail {
  std::shared_ptr<ActivityInbox> inbox = std::make_shared<ActivityInbox>();
  std::shared_ptr<gate::ActivitySubscription> subscription;
  std::unique_ptr<Slot> slot;
  ~ActivityTail() {
    if (subscription != nullptr) subscription->Cancel();
  }
};

void QueueEventToProto(const gate::QueueEvent& event, v1::PendingEvent* out) {
  out->Clear();
  out->set_kind(event.kind == gate::QueueEvent::Kind::kAdded
                    ? v1::PendingEvent::KIND_ADDED
                : event.kind == gate::QueueEvent::Kind::kUpdated
                    ? v1::PendingEvent::KIND_UPDATED
                    : v1::PendingEvent::KIND_RESOLVED);
  codec::PendingToProto(event.state, out->mutable_pending());
  if (event.kind == gate::QueueEvent::Kind::kResolved) {
    codec::DecisionToProto(event.state.current, out->mutable_decision());
  }
}

}  // namespace

http::ApiResponse ConsoleApi::Events(const http::ApiRequest& request,
                                     absl::string_view tenant) const {
  auto caller = guard_.AdmitHttp(request.authorization,
                                 identity::Method::kWatchPending, tenant);
  if (!caller.ok()) return Error(caller.status());
  if (stopping_.load()) {
    return Error(absl::UnavailableError("the gate is stopping"));
  }
  // A slot among kMaxStreams, released when the stream (or the answer
  // that never got to stream) is gone.
  if (streams_.fetch_add(1) >= kMaxStreams) {
    streams_.fetch_sub(1);
    return Error(absl::ResourceExhaustedError(
        "too many live event streams; poll /pending instead"));
  }
  auto slot = std::make_shared<Slot>(streams_);
  http::ApiResponse answer;
  answer.stream = [this, slot, t = std::string(tenant)](
                      const std::function<bool(std::string_view)>& write) {
    absl::Time end = absl::Now() + kStreamLifetime;
    absl::Time next_ping = absl::Now() + kStreamPing;
    if (!write(": events of the tenant's approval queue\n\n")) return;
    // Subscribed to this replica's queue and, when approvals are shared,
    // to the other replicas' requests; written here, with no lock held.
    QueueInbox inbox;
    absl::StatusOr<std::vector<gate::DecisionState>> listing =
        gate_.SubscribePending(t, &inbox);
    if (!listing.ok()) return;  // checked on admission; a stream just ends
    std::vector<v1::PendingApproval> others;
    if (sources_.relay != nullptr) {
      others = sources_.relay->SubscribeOthers(t, &inbox);
    }
    absl::Cleanup unsubscribe = [&] {
      gate_.UnsubscribePending(t, &inbox);
      if (sources_.relay != nullptr) {
        sources_.relay->UnsubscribeOthers(t, &inbox);
      }
    };
    auto send = [&](const v1::PendingEvent& out) {
      absl::StatusOr<std::string> json = json_.Print(out);
      return json.ok() && write(absl::StrCat("data: ", *json, "\n\n"));
    };
    v1::PendingEvent out;
    for (const gate::DecisionState& state : *listing) {
      QueueEventToProto({gate::QueueEvent::Kind::kAdded, state}, &out);
      if (!send(out)) return;
    }
    listing->clear();
    for (v1::PendingApproval& pending : others) {
      out.Clear();
      out.set_kind(v1::PendingEvent::KIND_ADDED);
      *out.mutable_pending() = std::move(pending);
      if (!send(out)) return;
    }
    others.clear();
    for (;;) {
      // A short wait: the stream also ends when the gate stops.
      std::optional<std::deque<QueueInbox::Item>> items =
          inbox.Take(absl::Milliseconds(200));
      if (!items.has_value())
        return;  // too far behind: the console
                 // reconnects for a fresh listing
      for (QueueInbox::Item& item : *items) {
        if (auto* local = std::get_if<gate::QueueEvent>(&item)) {
          QueueEventToProto(*local, &out);
        } else {
          out = std::get<v1::PendingEvent>(std::move(item));
        }
        if (!send(out)) return;
      }
      // A comment now and then finds a client that has gone: its slot is
      // free again within two of them.
      absl::Time now = absl::Now();
      if (now >= next_ping) {
        if (!write(": ping\n\n")) return;
        next_ping = now + kStreamPing;
      }
      if (stopping_.load() || now >= end) return;
    }
  };
  return answer;
}

http::ApiResponse ConsoleApi::Activity(const http::ApiRequest& request,
                                       absl::string_view tenant) const {
  // The tenant is checked before it reaches the guard's records or the
  // feed's keys.
  if (!tenant.empty()) {
    if (absl::Status s = ValidateTenantId(tenant); !s.ok()) return Error(s);
  }
  auto caller = guard_.AdmitHttp(request.authorization,
                                 identity::Method::kTailActivity, tenant);
  if (!caller.ok()) return Error(caller.status());
  if (sources_.activity == nullptr) {
    return Error(absl::UnimplementedError(
        "this gate does not serve the activity stream"));
  }
  if (stopping_.load()) {
    return Error(absl::UnavailableError("the gate is stopping"));
  }
  if (activity_streams_.fetch_add(1) >= kMaxActivityStreams) {
    activity_streams_.fetch_sub(1);
    return Error(absl::ResourceExhaustedError(
        "too many live activity streams; try again shortly"));
  }
  auto tail = std::make_shared<ActivityTail>();
  tail->slot = std::make_unique<Slot>(activity_streams_);

  gate::ActivityScope scope;
  scope.tenant = std::string(tenant);
  scope.permits = [principal = *caller](absl::string_view t) {
    return principal.MayActFor(t);
  };
  // The latest few entries of each tenant followed first, then live.
  if (sources_.ledger != nullptr) {
    std::vector<std::string> tenants =
        tenant.empty() ? sources_.ledger->Tenants()
                       : std::vector<std::string>{std::string(tenant)};
    for (const std::string& t : tenants) {
      if (!caller->MayActFor(t)) continue;
      std::optional<ledger::ChainHead> head = sources_.ledger->Head(t);
      if (!head.has_value()) continue;
      scope.resume[t] = head->sequence > kActivityBackfill
                            ? head->sequence - kActivityBackfill + 1
                            : 1;
    }
  }
  auto subscription = sources_.activity->Subscribe(
      caller->name, std::move(scope),
      [inbox =
           tail->inbox](absl::StatusOr<std::vector<gate::ActivityEvent>> page) {
        absl::MutexLock lock(&inbox->mu);
        inbox->pages.push_back(std::move(page));
      });
  if (!subscription.ok()) return Error(subscription.status());
  tail->subscription = *std::move(subscription);

  http::ApiResponse answer;
  answer.stream = [this,
                   tail](const std::function<bool(std::string_view)>& write) {
    absl::Time end = absl::Now() + kStreamLifetime;
    absl::Time next_ping = absl::Now() + kStreamPing;
    if (!write(": the gate's activity, newest entries last\n\n")) return;
    ActivityInbox& inbox = *tail->inbox;
    auto has_page =
        +[](std::deque<absl::StatusOr<std::vector<gate::ActivityEvent>>>* q) {
          return !q->empty();
        };
    for (;;) {
      std::optional<absl::StatusOr<std::vector<gate::ActivityEvent>>> page;
      {
        absl::MutexLock lock(&inbox.mu);
        // A short wait: the stream also ends when the gate stops.
        inbox.mu.AwaitWithTimeout(absl::Condition(has_page, &inbox.pages),
                                  absl::Milliseconds(200));
        if (!inbox.pages.empty()) {
          page = std::move(inbox.pages.front());
          inbox.pages.pop_front();
        }
      }
      if (page.has_value()) {
        if (!page->ok()) return;  // the feed closed or could not read
        for (const gate::ActivityEvent& event : **page) {
          v1::ActivityEvent out;
          codec::ActivityEventToProto(event, &out);
          absl::StatusOr<std::string> json = json_.Print(out);
          if (!json.ok()) return;
          if (!write(absl::StrCat("data: ", *json, "\n\n"))) return;
        }
        // Written: the feed may read the next page.
        tail->subscription->Next();
      }
      absl::Time now = absl::Now();
      if (stopping_.load() || now >= end) return;
      if (now >= next_ping) {
        if (!write(": ping\n\n")) return;
        next_ping = now + kStreamPing;
      }
    }
  };
  return answer;
}

}  // namespace portcullis::server
