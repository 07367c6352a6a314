#include "gate/activity_feed.h"

#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "ledger/rocksdb_store.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::gate {
namespace {

// Decodes nothing: the events carry the entries' own fields.
class NoRecords final : public RecordCodec {
 public:
  std::string Encode(const Record&) const override { return ""; }
  absl::StatusOr<Record> Decode(absl::string_view,
                                absl::string_view) const override {
    return absl::NotFoundError("none");
  }
};

// A ledger with the feed as its observer.
struct Fixture {
  Fixture() {
    auto store = ledger::RocksDbStore::Open(dir.Sub("db"), {});
    REQUIRE(store.ok());
    ledger::LedgerOptions options;
    options.sync = false;
    options.observer = &feed;
    auto opened = ledger::Ledger::Open(std::move(*store), options);
    REQUIRE(opened.ok());
    ledger = std::move(*opened);
    feed.Attach(*ledger);
  }
  ~Fixture() { feed.Close(); }

  void Append(const std::string& tenant, int n) {
    for (int i = 0; i < n; ++i) {
      ledger::EntryDraft d;
      d.tenant = tenant;
      d.kind = "action.evaluated";
      d.payload = "secret-payload";
      REQUIRE(ledger->Append({d}).ok());
    }
  }

  testing::TempDir dir;
  NoRecords codec;
  ActivityFeed feed{codec, ActivityFeedOptions{8, 2}};
  std::unique_ptr<ledger::Ledger> ledger;
};

// Collects pages; releases each at once unless told to hold them.
struct Reader {
  absl::Mutex mu;
  std::vector<ActivityEvent> events;
  absl::Status error;
  std::shared_ptr<ActivitySubscription> sub;

  ActivitySubscription::Deliver Sink() {
    return [this](absl::StatusOr<std::vector<ActivityEvent>> page) {
      absl::MutexLock lock(&mu);
      if (!page.ok()) {
        error = page.status();
        return;
      }
      for (ActivityEvent& e : *page) events.push_back(std::move(e));
    };
  }
  // Waits until `n` events arrived, releasing each page once it is in.
  void Take(size_t n) {
    absl::MutexLock lock(&mu);
    while (events.size() < n) {
      seen = events.size();
      mu.Unlock();
      sub->Next();
      mu.Lock();
      REQUIRE(mu.AwaitWithTimeout(absl::Condition(this, &Reader::Changed),
                                  absl::Seconds(10)));
    }
  }
  bool Changed() const { return events.size() != seen; }
  size_t seen = 0;
};

TEST_CASE("the feed delivers a tenant's entries in order from a sequence",
          "[activity]") {
  Fixture f;
  f.Append("a", 20);
  f.Append("b", 5);
  Reader r;
  ActivityScope scope;
  scope.tenant = "a";
  scope.from_sequence = 3;
  auto sub = f.feed.Subscribe("ops", scope, r.Sink());
  REQUIRE(sub.ok());
  r.sub = *sub;
  r.Take(18);
  f.Append("a", 2);
  r.Take(20);
  absl::MutexLock lock(&r.mu);
  REQUIRE(r.events.size() == 20);
  for (size_t i = 0; i < r.events.size(); ++i) {
    CHECK(r.events[i].tenant == "a");
    CHECK(r.events[i].sequence == 3 + i);
  }
  r.mu.Unlock();
  r.sub->Cancel();
  r.mu.Lock();
}

TEST_CASE("a reader that does not read holds one page however far behind",
          "[activity]") {
  Fixture f;
  Reader r;
  ActivityScope scope;  // every tenant, live
  auto sub = f.feed.Subscribe("ops", scope, r.Sink());
  REQUIRE(sub.ok());
  r.sub = *sub;
  f.Append("a", 3);
  f.Append("b", 200);
  // Only one page was handed over while nothing was released.
  CHECK(f.feed.Stats().max_buffered_per_subscriber <= 8);
  r.Take(203);
  CHECK(f.feed.Stats().max_buffered_per_subscriber <= 8);
  absl::MutexLock lock(&r.mu);
  uint64_t next_a = 1, next_b = 1;
  for (const ActivityEvent& e : r.events) {
    uint64_t& next = e.tenant == "a" ? next_a : next_b;
    CHECK(e.sequence == next);
    ++next;
  }
  CHECK(next_a == 4);
  CHECK(next_b == 201);
  r.mu.Unlock();
  r.sub->Cancel();
  r.mu.Lock();
}

// A reader whose release (Next) comes back while the feed is still inside
// its delivery, and an entry appended in that window: the entry still
// arrives (the feed once skipped a parked subscriber it was delivering to,
// so the live event was lost until the next append).
TEST_CASE("an entry appended while a page is being delivered still arrives",
          "[activity]") {
  Fixture f;
  f.Append("a", 1);
  absl::Mutex mu;
  std::vector<uint64_t> seen;
  std::shared_ptr<ActivitySubscription> sub;
  absl::Notification subscribed;
  ActivityScope scope;
  scope.tenant = "a";
  scope.from_sequence = 1;
  auto subscribed_or = f.feed.Subscribe(
      "ops", scope, [&](absl::StatusOr<std::vector<ActivityEvent>> page) {
        REQUIRE(page.ok());
        subscribed.WaitForNotification();
        bool first = false;
        {
          absl::MutexLock lock(&mu);
          for (const ActivityEvent& e : *page) seen.push_back(e.sequence);
          first = seen.size() == 1;
        }
        sub->Next();                  // released before the delivery returns
        if (first) f.Append("a", 1);  // the chain advances meanwhile
      });
  REQUIRE(subscribed_or.ok());
  sub = *subscribed_or;
  subscribed.Notify();
  absl::MutexLock lock(&mu);
  auto both = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu) { return seen.size() == 2; };
  CHECK(mu.AwaitWithTimeout(absl::Condition(&both), absl::Seconds(10)));
  CHECK(seen == std::vector<uint64_t>{1, 2});
  mu.Unlock();
  sub->Cancel();
  mu.Lock();
}

TEST_CASE("the feed caps streams per principal and skips unpermitted tenants",
          "[activity]") {
  Fixture f;
  Reader r1, r2, r3;
  ActivityScope scope;
  scope.from_sequence = 1;
  scope.permits = [](absl::string_view t) { return t == "a"; };
  auto s1 = f.feed.Subscribe("ops", scope, r1.Sink());
  auto s2 = f.feed.Subscribe("ops", scope, r2.Sink());
  auto s3 = f.feed.Subscribe("ops", scope, r3.Sink());
  REQUIRE(s1.ok());
  REQUIRE(s2.ok());
  CHECK(absl::IsResourceExhausted(s3.status()));
  r1.sub = *s1;
  f.Append("b", 4);
  f.Append("a", 2);
  r1.Take(2);
  {
    absl::MutexLock lock(&r1.mu);
    for (const ActivityEvent& e : r1.events) CHECK(e.tenant == "a");
  }
  (*s1)->Cancel();
  (*s2)->Cancel();
  CHECK(f.feed.Stats().subscriptions == 0);
}

}  // namespace
}  // namespace portcullis::gate
