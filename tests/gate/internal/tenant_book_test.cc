// TenantBook's write path (issue 20): keys reserved by one write keep
// every other write on them out until it is released, a plan that declines
// reserves nothing, and the append runs without the lock.
#include "gate/internal/tenant_book.h"

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

namespace portcullis::gate::gate_internal {
namespace {

DecisionState Request(const std::string& id) {
  DecisionState state;
  state.original.id = id;
  state.current.id = id;
  return state;
}

// What a watcher's first listing holds.
std::vector<DecisionState> RecordedQueue(TenantBook& book) {
  return book.WithLock(
      [](TenantBook::View& state) { return state.RecordedQueue(); });
}

bool Yes(TenantBook::View&) { return true; }
void Nothing(TenantBook::View&) {}

TEST_CASE(
    "a write that must not wait skips, unplanned, while a key is "
    "reserved",
    "[tenant-book]") {
  TenantBook book;
  const std::vector<std::string> held{BusyDecision("d-1")};
  REQUIRE(book.Reserve(held, TenantBook::Wait::kWait, Yes));
  bool planned = false;
  const std::vector<std::string> both{BusyKey("k-1"), BusyDecision("d-1")};
  CHECK_FALSE(book.Reserve(both, TenantBook::Wait::kSkipIfBusy,
                           [&](TenantBook::View&) { return planned = true; }));
  CHECK_FALSE(planned);
  // Another key is free.
  const std::vector<std::string> other{BusyDecision("d-2")};
  CHECK(book.Reserve(other, TenantBook::Wait::kSkipIfBusy, Yes));
  book.Release(other, Nothing);
  book.Release(held, Nothing);
  CHECK(book.Reserve(both, TenantBook::Wait::kSkipIfBusy, Yes));
  book.Release(both, Nothing);
}

TEST_CASE("a plan that declines reserves nothing", "[tenant-book]") {
  TenantBook book;
  const std::vector<std::string> keys{BusyStanding("s-1")};
  CHECK_FALSE(book.Reserve(keys, TenantBook::Wait::kWait,
                           [](TenantBook::View&) { return false; }));
  CHECK(book.Reserve(keys, TenantBook::Wait::kSkipIfBusy, Yes));
  book.Release(keys, Nothing);
}

TEST_CASE("a writer waiting for a key plans on what the holder committed",
          "[tenant-book]") {
  TenantBook book;
  const std::vector<std::string> keys{BusyDecision("d-1")};
  REQUIRE(book.Reserve(keys, TenantBook::Wait::kWait, Yes));
  bool saw_commit = false;
  std::thread waiter([&] {
    book.Write(
        keys,
        [&](TenantBook::View& state) {
          saw_commit = state.FindPending("d-1") != nullptr;
          return true;
        },
        [] {}, Nothing);
  });
  // Whenever the waiter got there, it cannot plan before this commit.
  book.Release(keys,
               [](TenantBook::View& state) { state.Restore(Request("d-1")); });
  waiter.join();
  CHECK(saw_commit);
}

TEST_CASE("Write plans and settles under the lock and appends without it",
          "[tenant-book]") {
  TenantBook book;
  const std::vector<std::string> keys{BusyKey("k-1")};
  std::vector<std::string> steps;
  const bool wrote = book.Write(
      keys,
      [&](TenantBook::View& state) {
        state.Enqueue(Request("d-1"));
        steps.push_back("plan");
        return true;
      },
      [&] {
        // The lock is free: another caller reads meanwhile, and sees the
        // planned request, not yet recorded.
        steps.push_back(book.PendingCount() == 1 ? "append" : "?");
        CHECK(RecordedQueue(book).empty());
      },
      [&](TenantBook::View& state) {
        state.MarkRecorded("d-1");
        steps.push_back("settle");
      });
  CHECK(wrote);
  CHECK(steps == std::vector<std::string>{"plan", "append", "settle"});
  CHECK(RecordedQueue(book).size() == 1);
  // Released: the key is free again.
  CHECK(book.Reserve(keys, TenantBook::Wait::kSkipIfBusy, Yes));
  book.Release(keys, Nothing);
}

TEST_CASE("a tenant's halt is kept with its reason", "[tenant-book]") {
  TenantBook book;
  CHECK_FALSE(book.HaltReason().has_value());
  book.SetHalt(true, "incident 7");
  CHECK(book.Halted());
  CHECK(book.HaltReason() == "incident 7");
  book.SetHalt(false, "");
  CHECK_FALSE(book.HaltReason().has_value());
}

}  // namespace
}  // namespace portcullis::gate::gate_internal
