// ActivityFeed tails the ledger for the activity stream: each subscriber
// follows one tenant, or every tenant it may see, from a sequence number
// on, and receives ActivityEvents (activity_event.h) in each tenant's
// sequence order, a page at a time.
//
// Backpressure without buffering: the feed keeps, per subscriber, only a
// cursor per tenant; the events themselves are read from the ledger, in
// pages of at most `page_size`, when the subscriber asks for the next page.
// A slow subscriber simply asks later and reads what it missed from the
// ledger (a catch-up read), so however far behind it falls, the feed holds
// at most one page for it. The ledger tells the feed, as its observer,
// when a tenant's chain advances; parked subscribers that were caught up
// are then woken. One thread of the feed does every read, so neither the
// ledger's commit path nor a transport's threads ever wait on a read.
//
// Transport-free: the gRPC stream (server/activity_stream.h) and an HTTP
// adapter deliver the same pages. Thread-safe.
#ifndef PORTCULLIS_GATE_ACTIVITY_FEED_H_
#define PORTCULLIS_GATE_ACTIVITY_FEED_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gate/activity_event.h"
#include "gate/records.h"
#include "ledger/ledger.h"

namespace portcullis::gate {

struct ActivityFeedOptions {
  // The most events read and handed over at once: also the most the feed
  // holds for one subscriber.
  size_t page_size = 64;
  // The most subscriptions one principal may hold at once.
  size_t max_streams_per_principal = 4;
};

// What to follow.
struct ActivityScope {
  // One tenant; empty for every tenant `permits` accepts, those in the
  // ledger now and those that appear later.
  std::string tenant;
  std::function<bool(absl::string_view tenant)> permits;
  // The first sequence to deliver for each tenant followed; 0 for the
  // entries appended after Subscribe only (a live tail). A tenant that
  // first appears later is followed from its first entry.
  uint64_t from_sequence = 0;
  // Per-tenant starting points that override `from_sequence` (resuming
  // where an earlier stream stopped: the last sequence seen, plus one).
  absl::flat_hash_map<std::string, uint64_t> resume;
};

// Counters for tests and metrics.
struct ActivityFeedStats {
  size_t subscriptions = 0;
  // Events handed to subscribers and not yet released by their Next: what
  // the feed holds now, over every subscriber.
  size_t buffered_events = 0;
  // The most one subscriber ever held at once (at most page_size).
  size_t max_buffered_per_subscriber = 0;
  // Pages read for subscribers that were behind the ledger's head.
  uint64_t pages_read = 0;
};

class ActivityFeed;

// One subscriber's handle. Cancel before dropping it (the feed keeps the
// subscription until then).
class ActivitySubscription {
 public:
  // Receives each page (never empty) in order, or one final error
  // (Unavailable when the feed closes, or the ledger's read error). Called
  // on the feed's thread; it must not block, and must not call Cancel.
  using Deliver =
      absl::AnyInvocable<void(absl::StatusOr<std::vector<ActivityEvent>>)>;

  // Releases the page last delivered and asks for the next one, which
  // arrives as soon as the ledger has entries past the cursor. Call once
  // per delivered page, after its events are written out.
  void Next();

  // Ends the subscription: once Cancel returns, `deliver` is not running
  // and will not be called again. Idempotent.
  void Cancel();

 private:
  friend class ActivityFeed;
  explicit ActivitySubscription(ActivityFeed& feed) : feed_(feed) {}
  ActivityFeed& feed_;
};

class ActivityFeed final : public ledger::LedgerObserver {
 public:
  // `codec` must outlive the feed.
  explicit ActivityFeed(const RecordCodec& codec,
                        ActivityFeedOptions options = {});
  // Closes (see Close).
  ~ActivityFeed() override;

  ActivityFeed(const ActivityFeed&) = delete;
  ActivityFeed& operator=(const ActivityFeed&) = delete;

  // Starts reading from `ledger`, which must outlive the feed (or its
  // Close) and have this feed among its observers. Call once, before
  // Subscribe.
  void Attach(const ledger::Ledger& ledger) ABSL_LOCKS_EXCLUDED(mu_);

  // Follows `scope` for `principal`. The first page is delivered as soon
  // as there are entries to deliver. Returns ResourceExhausted when the
  // principal already holds max_streams_per_principal subscriptions,
  // FailedPrecondition before Attach or after Close, InvalidArgument for a
  // malformed tenant id.
  absl::StatusOr<std::shared_ptr<ActivitySubscription>> Subscribe(
      const std::string& principal, ActivityScope scope,
      ActivitySubscription::Deliver deliver) ABSL_LOCKS_EXCLUDED(mu_);

  // Ends every subscription with Unavailable and stops the reading thread.
  // Idempotent.
  void Close() ABSL_LOCKS_EXCLUDED(mu_);

  ActivityFeedStats Stats() const ABSL_LOCKS_EXCLUDED(mu_);

  // ledger::LedgerObserver: only OnAdvanced matters here.
  void OnAppended(absl::Duration) override {}
  void OnGroupWritten(absl::Duration, size_t) override {}
  void OnAdvanced(absl::string_view tenant, uint64_t sequence) override
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  friend class ActivitySubscription;
  struct Subscriber;
  // A tenant to read for a subscriber: [from, through].
  struct Span {
    std::string tenant;
    uint64_t from = 0;
    uint64_t through = 0;
  };

  void Run() ABSL_LOCKS_EXCLUDED(mu_);
  // Reads one page for `s` and delivers it, or parks it.
  void Serve(Subscriber& s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A page and where each span's cursor moves to.
  struct Page {
    std::vector<ActivityEvent> events;
    std::vector<std::pair<std::string, uint64_t>> next;
  };
  // Reads up to page_size events from `spans`, in order. Without the lock.
  absl::StatusOr<Page> ReadPage(const std::vector<Span>& spans) const;
  std::vector<Span> Behind(const Subscriber& s) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Follows(const Subscriber& s, absl::string_view tenant) const;
  uint64_t Cursor(const Subscriber& s, absl::string_view tenant) const;
  void Enqueue(Subscriber& s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Next(const ActivitySubscription* handle) ABSL_LOCKS_EXCLUDED(mu_);
  void Cancel(const ActivitySubscription* handle) ABSL_LOCKS_EXCLUDED(mu_);
  // Removes `s`; the caller delivers nothing more to it.
  void Drop(Subscriber& s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RecordCodec& codec_;
  const ActivityFeedOptions options_;
  const ledger::Ledger* ledger_ = nullptr;  // set once by Attach

  mutable absl::Mutex mu_;
  absl::CondVar ready_cv_;
  absl::CondVar delivered_cv_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // Each tenant's last durable sequence.
  absl::flat_hash_map<std::string, uint64_t> heads_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<const ActivitySubscription*, std::unique_ptr<Subscriber>>
      subscribers_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, size_t> per_principal_ ABSL_GUARDED_BY(mu_);
  std::deque<Subscriber*> ready_ ABSL_GUARDED_BY(mu_);
  ActivityFeedStats stats_ ABSL_GUARDED_BY(mu_);
  std::thread reader_;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_ACTIVITY_FEED_H_
