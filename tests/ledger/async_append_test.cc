// Ledger::AppendAsync: queued like Append, answered by callback from the
// thread that commits the group, never lost when the ledger closes.
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "base/thread_name.h"
#include "ledger/ledger.h"
#include "ledger/verifier.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/testing/blocking_store.h"
#include "tests/testing/faulty_store.h"

namespace portcullis::ledger {
namespace {

using Result = absl::StatusOr<std::vector<Appended>>;

// A ledger on a real store whose writes the test can hold (store.Arm(),
// AwaitBlockedWrite(), Release()), in a directory of its own.
struct HeldLedger {
  explicit HeldLedger(LedgerOptions options = {}) {
    real = OpenStore(dir.Sub("db"));
    auto blocking = std::make_unique<testing::BlockingStore>(*real);
    store = blocking.get();
    auto opened = Ledger::Open(std::move(blocking), std::move(options));
    REQUIRE(opened.ok());
    ledger = *std::move(opened);
  }
  testing::TempDir dir;
  std::unique_ptr<RocksDbStore> real;
  testing::BlockingStore* store = nullptr;
  std::unique_ptr<Ledger> ledger;  // before `real` and `dir` go
};

// One AppendAsync's answer, and the thread that gave it.
struct Answer {
  absl::Notification given;
  Result result = absl::UnknownError("not answered");
  pid_t thread = 0;
  std::string thread_name;

  Ledger::AppendCallback Callback() {
    return [this](Result r) {
      result = std::move(r);
      thread = ::gettid();
      thread_name = CurrentThreadName();
      given.Notify();
    };
  }
  const Result& Wait() {
    given.WaitForNotification();
    return result;
  }
};

std::vector<std::string> Payloads(const Ledger& ledger,
                                  const std::string& tenant) {
  std::vector<std::string> out;
  REQUIRE(ledger
              .Read(tenant, 1, false,
                    [&](const Entry& e) {
                      out.push_back(e.payload.value_or("<pruned>"));
                      return true;
                    })
              .ok());
  return out;
}

TEST_CASE("an asynchronous append is answered once its group is written",
          "[ledger][async][concurrency]") {
  LedgerOptions options;
  options.answer_threads = 0;     // the commit thread answers every group
  options.lead_in_place = false;  // and leads every group
  HeldLedger held(options);
  testing::BlockingStore& store = *held.store;
  Ledger& l = *held.ledger;

  store.Arm();
  Answer first, second, other;
  l.AppendAsync({Draft("t", "a")}, first.Callback());
  store.AwaitBlockedWrite();
  // The caller is free while its entry is being written, and unanswered.
  CHECK_FALSE(first.given.HasBeenNotified());
  l.AppendAsync({Draft("t", "b")}, second.Callback());
  l.AppendAsync({Draft("u", "c")}, other.Callback());
  CHECK_FALSE(second.given.HasBeenNotified());
  store.Release();

  REQUIRE(first.Wait().ok());
  REQUIRE(second.Wait().ok());
  REQUIRE(other.Wait().ok());
  CHECK((*first.result)[0].sequence == 1);
  CHECK((*second.result)[0].sequence == 2);
  CHECK((*other.result)[0].sequence == 1);
  // Answered by the ledger's commit thread, not the caller.
  CHECK(first.thread != ::gettid());
  CHECK(first.thread_name == "gate-commit");
  CHECK(second.thread == first.thread);
  CHECK(store.writer_threads() == 1);
  CHECK(Payloads(l, "t") == std::vector<std::string>{"a", "b"});
  CHECK(Payloads(l, "u") == std::vector<std::string>{"c"});

  // Two groups: the first alone, then the two queued behind its write. The
  // write held by the test counts as the store's time, not as serial work.
  const Ledger::CommitStats stats = l.commit_stats();
  CHECK(stats.groups == 2);
  CHECK(stats.entries == 3);
  CHECK(stats.serial > absl::ZeroDuration());
  CHECK(stats.write > absl::ZeroDuration());
  // The leaders' CPU time is part of their wall time (a few clock reads
  // apart), and the write the test held counts in neither.
  CHECK(stats.serial_cpu > absl::ZeroDuration());
  CHECK(stats.serial_cpu <= stats.serial + absl::Microseconds(20));
}

// Options that seal payloads, with `seal_threads` sealing beside the leader.
LedgerOptions Sealing(int seal_threads) {
  auto masters = std::make_shared<std::vector<crypto::MasterKey>>();
  auto master = crypto::SecureBytes::CopyOf(std::string(32, 'm'));
  std::string id = crypto::MasterKeyId(master);
  masters->push_back({id, std::move(master)});
  LedgerOptions options;
  options.master_keys = masters;
  options.seal_threads = seal_threads;
  return options;
}

TEST_CASE("payloads sealed ahead of the chaining open in their own entries",
          "[ledger][async][concurrency]") {
  // Sealed by the leader alone, beside it on two threads, or by the callers
  // while they wait.
  const auto [seal_threads, by_callers] =
      GENERATE(table<int, bool>({{0, false}, {2, false}, {0, true}}));
  LedgerOptions options = Sealing(seal_threads);
  options.lead_in_place = false;  // "a2" is held in the commit thread's write
  options.seal_by_callers = by_callers;
  HeldLedger held(options);
  testing::BlockingStore& store = *held.store;
  Ledger& l = *held.ledger;
  // Each tenant's first append stores its payload key (on the caller's
  // thread): before the test holds writes.
  REQUIRE(l.Append({Draft("t", "a"), Draft("u", "0")}).ok());

  store.Arm();
  Answer first;
  l.AppendAsync({Draft("t", "a2")}, first.Callback());
  store.AwaitBlockedWrite();
  // Queued behind the held write: one group of five sealed entries over
  // two tenants, in writers of one and two entries. A caller that seals
  // does so on this thread before AppendAsync returns.
  Answer one, two, three;
  l.AppendAsync({Draft("t", "b"), Draft("u", "c")}, one.Callback());
  l.AppendAsync({Draft("t", "d")}, two.Callback());
  l.AppendAsync({Draft("u", "e"), Draft("t", "f")}, three.Callback());
  store.Release();
  REQUIRE(first.Wait().ok());
  REQUIRE(one.Wait().ok());
  REQUIRE(two.Wait().ok());
  REQUIRE(three.Wait().ok());
  CHECK((*three.result)[0].sequence == 3);  // u: 0, c, e
  CHECK((*three.result)[1].sequence == 5);  // t: a, a2, b, d, f

  CHECK(Payloads(l, "t") == std::vector<std::string>{"a", "a2", "b", "d", "f"});
  CHECK(Payloads(l, "u") == std::vector<std::string>{"0", "c", "e"});
  auto report = VerifyLedger(l.store());
  REQUIRE(report.ok());
  CHECK(report->clean());
  // Beside the leader: two entries of the first group, none of the lone
  // "a2" (nothing to share out), five of the last. By the callers: the
  // last five ("a2" found nobody ahead, and the leader sealed it).
  const Ledger::CommitStats stats = l.commit_stats();
  CHECK(stats.sealed_ahead == (seal_threads > 0 ? 7u : 0u));
  CHECK(stats.sealed_by_callers == (by_callers ? 5u : 0u));
}

TEST_CASE(
    "a payload its caller sealed for a sequence it did not get is sealed again",
    "[ledger][async][concurrency]") {
  LedgerOptions options = Sealing(0);
  options.lead_in_place = false;
  HeldLedger held(options);
  testing::BlockingStore& store = *held.store;
  Ledger& l = *held.ledger;
  REQUIRE(l.Append({Draft("t", "a"), Draft("u", "0")}).ok());

  // Group 1, held: "b". Queued behind it: "gone", whose caller gives up,
  // then "c", sealed by its caller for t/4, which it will not get.
  store.Arm();
  Answer b, gone, c, other;
  l.AppendAsync({Draft("t", "b")}, b.Callback());
  store.AwaitBlockedWrite();
  l.AppendAsync({Draft("t", "gone")}, gone.Callback(), [] { return true; });
  l.AppendAsync({Draft("t", "c")}, c.Callback());
  l.AppendAsync({Draft("u", "1")}, other.Callback());
  store.Arm();  // group 2: "c" and "1"
  store.Release();
  REQUIRE(b.Wait().ok());
  store.AwaitBlockedWrite();
  // Queued while group 2 is written, from the prediction it misled: sealed
  // for t/5, to get t/4.
  Answer d;
  l.AppendAsync({Draft("t", "d")}, d.Callback());
  store.Arm();  // group 3: "d"
  store.Release();
  store.AwaitBlockedWrite();
  // Group 2 was not written as predicted: the prediction was made again
  // from the chains, so this caller's t/5 is right.
  Answer e;
  l.AppendAsync({Draft("t", "e")}, e.Callback());
  store.Release();

  CHECK(gone.Wait().status().code() == absl::StatusCode::kDeadlineExceeded);
  REQUIRE(c.Wait().ok());
  REQUIRE(other.Wait().ok());
  REQUIRE(d.Wait().ok());
  REQUIRE(e.Wait().ok());
  CHECK((*c.result)[0].sequence == 3);
  CHECK((*d.result)[0].sequence == 4);
  CHECK((*e.result)[0].sequence == 5);
  CHECK(Payloads(l, "t") == std::vector<std::string>{"a", "b", "c", "d", "e"});
  CHECK(Payloads(l, "u") == std::vector<std::string>{"0", "1"});
  auto report = VerifyLedger(l.store());
  REQUIRE(report.ok());
  CHECK(report->clean());
  // "1" (another tenant) and "e" were sealed by their callers; "c" and "d"
  // were sealed for sequences they did not get, and again by the leader.
  CHECK(l.commit_stats().sealed_by_callers == 2);
}

TEST_CASE(
    "a group of asynchronous writers is answered beside the commit thread",
    "[ledger][async][concurrency]") {
  const int answer_threads = GENERATE(0, 1);
  LedgerOptions options;
  options.answer_threads = answer_threads;
  options.lead_in_place = false;
  HeldLedger held(options);
  testing::BlockingStore& store = *held.store;
  Ledger& l = *held.ledger;

  store.Arm();
  Answer lone, second, third;
  l.AppendAsync({Draft("t", "a")}, lone.Callback());
  store.AwaitBlockedWrite();
  l.AppendAsync({Draft("t", "b")}, second.Callback());
  l.AppendAsync({Draft("u", "c")}, third.Callback());
  store.Release();
  REQUIRE(lone.Wait().ok());
  REQUIRE(second.Wait().ok());
  REQUIRE(third.Wait().ok());
  // One writer: no hand-off. Two: handed to an answering thread, if any,
  // so the commit thread is free to lead the next group.
  CHECK(lone.thread_name == "gate-commit");
  const std::string aside = answer_threads > 0 ? "gate-answer" : "gate-commit";
  CHECK(second.thread_name == aside);
  CHECK(third.thread_name == aside);
  CHECK(l.commit_stats().answered_aside == (answer_threads > 0 ? 1u : 0u));
  CHECK(Payloads(l, "t") == std::vector<std::string>{"a", "b"});
}

TEST_CASE("asynchronous appends refused up front are answered at once",
          "[ledger][async][concurrency]") {
  testing::TempDir dir;
  auto ledger = Ledger::Open(OpenStore(dir.Sub("db")));
  REQUIRE(ledger.ok());
  EntryDraft bad_kind = Draft("t", "x", "Action Evaluated");

  Answer refused;
  (*ledger)->AppendAsync({Draft("t", "ok"), bad_kind}, refused.Callback());
  // Answered before AppendAsync returned, on this thread.
  REQUIRE(refused.given.HasBeenNotified());
  CHECK(refused.thread == ::gettid());
  CHECK(refused.result.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK((*ledger)->Tenants().empty());

  Answer nothing;
  (*ledger)->AppendAsync({}, nothing.Callback());
  REQUIRE(nothing.given.HasBeenNotified());
  REQUIRE(nothing.result.ok());
  CHECK(nothing.result->empty());
}

TEST_CASE("a failed asynchronous write is answered and appends nothing",
          "[ledger][async][concurrency]") {
  testing::TempDir dir;
  auto real = OpenStore(dir.Sub("db"));
  auto faulty = std::make_unique<testing::FaultyStore>(*real);
  testing::FaultyStore& faults = *faulty;
  auto ledger = Ledger::Open(std::move(faulty));
  REQUIRE(ledger.ok());
  AppendN(**ledger, "t", 2);

  faults.FailWrites(true);
  Answer lost;
  (*ledger)->AppendAsync({Draft("t", "lost")}, lost.Callback());
  CHECK(lost.Wait().status().code() == absl::StatusCode::kUnavailable);
  CHECK((*ledger)->Head("t")->sequence == 2);

  faults.FailWrites(false);
  Answer kept;
  (*ledger)->AppendAsync({Draft("t", "kept")}, kept.Callback());
  REQUIRE(kept.Wait().ok());
  CHECK((*kept.result)[0].sequence == 3);
  CHECK(Payloads(**ledger, "t") ==
        std::vector<std::string>{"t-1", "t-2", "kept"});
}

TEST_CASE("a callback may queue another asynchronous append",
          "[ledger][async][concurrency]") {
  testing::TempDir dir;
  auto ledger = Ledger::Open(OpenStore(dir.Sub("db")));
  REQUIRE(ledger.ok());
  Answer then;
  Ledger& l = **ledger;
  pid_t first_thread = 0;
  l.AppendAsync({Draft("t", "first")}, [&](Result r) {
    REQUIRE(r.ok());
    first_thread = ::gettid();
    l.AppendAsync({Draft("t", "second")}, then.Callback());
  });
  REQUIRE(then.Wait().ok());
  CHECK((*then.result)[0].sequence == 2);
  // The first led in place; the one its callback made queued for the
  // commit thread rather than lead (and block) inside the callback.
  CHECK(first_thread == ::gettid());
  CHECK(then.thread_name == "gate-commit");
  CHECK(l.commit_stats().led_in_place == 1);
}

TEST_CASE("a lone asynchronous append is led and answered by its caller",
          "[ledger][async][concurrency]") {
  const bool in_place = GENERATE(true, false);
  testing::TempDir dir;
  LedgerOptions options;
  options.lead_in_place = in_place;
  auto ledger = Ledger::Open(OpenStore(dir.Sub("db")), options);
  REQUIRE(ledger.ok());

  Answer first, second;
  (*ledger)->AppendAsync({Draft("t", "a")}, first.Callback());
  REQUIRE(first.Wait().ok());
  (*ledger)->AppendAsync({Draft("t", "b")}, second.Callback());
  REQUIRE(second.Wait().ok());
  CHECK((*second.result)[0].sequence == 2);
  if (in_place) {
    // Written and answered before AppendAsync returned, on this thread:
    // no hand-off to the commit thread and back.
    CHECK(first.thread == ::gettid());
    CHECK(second.thread == ::gettid());
  } else {
    CHECK(first.thread_name == "gate-commit");
    CHECK(second.thread_name == "gate-commit");
  }
  const Ledger::CommitStats stats = (*ledger)->commit_stats();
  CHECK(stats.groups == 2);
  CHECK(stats.led_in_place == (in_place ? 2u : 0u));
  CHECK(Payloads(**ledger, "t") == std::vector<std::string>{"a", "b"});
}

TEST_CASE(
    "asynchronous appends behind a group led in place queue for the commit "
    "thread",
    "[ledger][async][concurrency]") {
  HeldLedger held;
  testing::BlockingStore& store = *held.store;
  Ledger& l = *held.ledger;

  store.Arm();
  Answer first;
  pid_t caller = 0;
  bool answered_before_returning = false;
  std::thread leader([&] {
    caller = ::gettid();
    l.AppendAsync({Draft("t", "a")}, first.Callback());
    // Led in place: answered before AppendAsync returned.
    answered_before_returning = first.given.HasBeenNotified();
  });
  store.AwaitBlockedWrite();  // "a" is being written by its caller
  Answer second, third;
  l.AppendAsync({Draft("t", "b")}, second.Callback());
  l.AppendAsync({Draft("u", "c")}, third.Callback());
  // Queued, not led: a second leader would have written beside the first.
  CHECK_FALSE(second.given.HasBeenNotified());
  CHECK_FALSE(third.given.HasBeenNotified());
  store.Release();
  leader.join();
  CHECK(answered_before_returning);

  REQUIRE(first.Wait().ok());
  REQUIRE(second.Wait().ok());
  REQUIRE(third.Wait().ok());
  CHECK(first.thread == caller);
  // The caller handed the lead on to the commit thread, which wrote the
  // two queued behind it in one group.
  CHECK(second.thread_name == "gate-commit");
  CHECK(third.thread_name == "gate-commit");
  CHECK((*second.result)[0].sequence == 2);
  CHECK((*third.result)[0].sequence == 1);
  const Ledger::CommitStats stats = l.commit_stats();
  CHECK(stats.groups == 2);
  CHECK(stats.led_in_place == 1);
  CHECK(store.writer_threads() == 2);
  CHECK(Payloads(l, "t") == std::vector<std::string>{"a", "b"});
  CHECK(Payloads(l, "u") == std::vector<std::string>{"c"});
}

TEST_CASE(
    "the commit thread back from answering leaves a group led in place to "
    "its caller",
    "[ledger][async][concurrency]") {
  HeldLedger held;
  testing::BlockingStore& store = *held.store;
  Ledger& l = *held.ledger;

  // "b" is queued from a callback, so the commit thread leads it; its own
  // callback holds the commit thread until the test lets it go.
  absl::Notification answering, let_go;
  l.AppendAsync({Draft("t", "a")}, [&](Result r) {
    REQUIRE(r.ok());
    l.AppendAsync({Draft("t", "b")}, [&](Result r) {
      CHECK(r.ok());
      answering.Notify();
      let_go.WaitForNotification();
    });
  });
  answering.WaitForNotification();
  const absl::Duration serial = l.commit_stats().serial;

  // Meanwhile "c" finds the queue empty and leads in place, held in its
  // write, so that it is in front when the commit thread comes back.
  store.Arm();
  Answer third;
  pid_t caller = 0;
  std::thread leader([&] {
    caller = ::gettid();
    l.AppendAsync({Draft("t", "c")}, third.Callback());
  });
  store.AwaitBlockedWrite();
  let_go.Notify();
  // The commit thread has finished answering (it counts that time) and
  // looks at the queue: it must not lead "c" a second time.
  while (l.commit_stats().serial == serial) std::this_thread::yield();
  store.Release();
  leader.join();

  REQUIRE(third.Wait().ok());
  CHECK(third.thread == caller);
  CHECK((*third.result)[0].sequence == 3);
  CHECK(l.commit_stats().groups == 3);
  CHECK(l.commit_stats().led_in_place == 2);
  CHECK(Payloads(l, "t") == std::vector<std::string>{"a", "b", "c"});
  auto report = VerifyLedger(l.store());
  REQUIRE(report.ok());
  CHECK(report->clean());
}

TEST_CASE("blocking and asynchronous appends share gap-free chains",
          "[ledger][async][concurrency]") {
  testing::TempDir dir;
  auto real = OpenStore(dir.Sub("db"));
  RocksDbStore& real_ref = *real;
  auto ledger = Ledger::Open(std::move(real));
  REQUIRE(ledger.ok());

  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> sequences(kThreads);
  absl::Mutex async_mu;
  absl::BlockingCounter async_left(kThreads / 2 * kPerThread);
  std::atomic<int> failed{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (t % 2 == 0) {
          auto appended = (*ledger)->Append({Draft("t", "sync")});
          if (appended.ok()) {
            sequences[t].push_back((*appended)[0].sequence);
          } else {
            ++failed;
          }
          continue;
        }
        (*ledger)->AppendAsync({Draft("t", "async")}, [&, t](Result r) {
          if (r.ok()) {
            absl::MutexLock lock(&async_mu);
            sequences[t].push_back((*r)[0].sequence);
          } else {
            ++failed;
          }
          async_left.DecrementCount();
        });
      }
    });
  }
  for (std::thread& t : threads) t.join();
  async_left.Wait();

  CHECK(failed == 0);
  std::set<uint64_t> all;
  for (const std::vector<uint64_t>& s : sequences)
    all.insert(s.begin(), s.end());
  CHECK(all.size() == kThreads * kPerThread);
  CHECK(*all.begin() == 1);
  CHECK(*all.rbegin() == kThreads * kPerThread);
  auto report = VerifyLedger(real_ref);
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(report->entries == kThreads * kPerThread);
}

TEST_CASE("closing the ledger answers the asynchronous appends it holds",
          "[ledger][async][concurrency]") {
  // With answering threads too: closing drains what they were handed.
  const int answer_threads = GENERATE(0, 2);
  testing::TempDir dir;
  constexpr int kQueued = 10;
  {
    auto real = OpenStore(dir.Sub("db"));
    auto blocking = std::make_unique<testing::BlockingStore>(*real);
    testing::BlockingStore& store = *blocking;
    LedgerOptions options;
    options.answer_threads = answer_threads;
    options.lead_in_place = false;  // "first" is held in the commit thread
    auto ledger = Ledger::Open(std::move(blocking), options);
    REQUIRE(ledger.ok());
    store.Arm();
    Answer first;
    (*ledger)->AppendAsync({Draft("t", "first")}, first.Callback());
    store.AwaitBlockedWrite();
    std::atomic<int> answered{0};
    for (int i = 0; i < kQueued; ++i) {
      (*ledger)->AppendAsync({Draft("t", "queued")}, [&](Result r) {
        if (r.ok()) ++answered;
      });
    }
    store.Release();
    ledger->reset();  // waits for every queued writer
    REQUIRE(first.given.HasBeenNotified());
    CHECK(answered == kQueued);
  }
  auto reopened = Ledger::Open(OpenStore(dir.Sub("db")));
  REQUIRE(reopened.ok());
  CHECK((*reopened)->Head("t")->sequence == kQueued + 1);
}

}  // namespace
}  // namespace portcullis::ledger
