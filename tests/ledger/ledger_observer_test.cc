// LedgerOptions::observer: told of every append and every group write.
#include <atomic>
#include <catch2/catch.hpp>
#include <vector>

#include "absl/synchronization/notification.h"
#include "ledger/ledger.h"
#include "tests/ledger/ledger_fixture.h"

namespace portcullis::ledger {
namespace {

class CountingObserver : public LedgerObserver {
 public:
  void OnAppended(absl::Duration elapsed) override {
    appends++;
    if (elapsed < absl::ZeroDuration()) negative++;
  }
  void OnGroupWritten(absl::Duration elapsed, size_t n) override {
    groups++;
    entries += n;
    if (elapsed < absl::ZeroDuration()) negative++;
  }
  std::atomic<int> appends{0}, groups{0}, entries{0}, negative{0};
};

TEST_CASE("the observer hears each append and each group with its entries",
          "[ledger]") {
  testing::TempDir dir;
  CountingObserver observer;
  LedgerOptions options;
  options.observer = &observer;
  auto ledger = Ledger::Open(OpenStore(dir.Sub("db")), options);
  REQUIRE(ledger.ok());
  REQUIRE((*ledger)->Append({Draft("t1", "a"), Draft("t1", "b")}).ok());
  absl::Notification done;
  (*ledger)->AppendAsync({Draft("t1", "c")},
                         [&](absl::StatusOr<std::vector<Appended>> r) {
                           CHECK(r.ok());
                           done.Notify();
                         });
  done.WaitForNotification();
  CHECK(observer.appends == 2);
  CHECK(observer.entries == 3);
  CHECK(observer.groups >= 1);
  CHECK(observer.groups <= 2);
  CHECK(observer.negative == 0);
}

TEST_CASE("an append refused before the queue is not timed", "[ledger]") {
  testing::TempDir dir;
  CountingObserver observer;
  LedgerOptions options;
  options.observer = &observer;
  auto ledger = Ledger::Open(OpenStore(dir.Sub("db")), options);
  REQUIRE(ledger.ok());
  CHECK(!(*ledger)->Append({Draft("Bad Tenant!", "a")}).ok());
  CHECK(observer.appends == 0);
  CHECK(observer.groups == 0);
}

}  // namespace
}  // namespace portcullis::ledger
