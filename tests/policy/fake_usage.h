// A UsageView over events a test records by hand, with the window semantics
// the gate's counters have: an event at t counts for `since` when
// since < t. Remembers the queries it answered. Not thread-safe.
#ifndef PORTCULLIS_TESTS_POLICY_FAKE_USAGE_H_
#define PORTCULLIS_TESTS_POLICY_FAKE_USAGE_H_

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "policy/usage.h"
#include "policy/verdict.h"

namespace portcullis::policy::testing {

class FakeUsage final : public UsageView {
 public:
  struct Query {
    std::string counter;
    absl::Time since;
  };

  void Record(std::string counter, absl::Time at,
              Decimal amount = Decimal::FromInteger(1),
              absl::Duration window = absl::InfiniteDuration()) {
    events_.push_back(Event{std::move(counter), at, amount, window});
  }

  // Records what an allowed verdict consumes, as the gate would.
  void RecordCharges(const Verdict& verdict, absl::Time at) {
    for (const UsageCharge& charge : verdict.charges) {
      Record(charge.counter, at,
             charge.amount.value_or(Decimal::FromInteger(1)), charge.window);
    }
  }

  int64_t Count(absl::string_view counter, absl::Time since) const override {
    queries_.push_back(Query{std::string(counter), since});
    int64_t n = 0;
    for (const Event& e : events_) {
      if (e.counter == counter && e.at > since) ++n;
    }
    return n;
  }

  Decimal Sum(absl::string_view counter, absl::Time since) const override {
    queries_.push_back(Query{std::string(counter), since});
    Decimal total;
    for (const Event& e : events_) {
      if (e.counter == counter && e.at > since) total = *total.Add(e.amount);
    }
    return total;
  }

  // Session event counters with an event still in its window at `now`.
  int64_t LiveSessions(absl::Time now) const override {
    std::vector<std::string> live;
    for (const Event& e : events_) {
      if (!IsSessionEventsKey(e.counter) || e.at + e.window <= now) continue;
      if (std::find(live.begin(), live.end(), e.counter) == live.end()) {
        live.push_back(e.counter);
      }
    }
    return static_cast<int64_t>(live.size());
  }

  const std::vector<Query>& queries() const { return queries_; }

 private:
  struct Event {
    std::string counter;
    absl::Time at;
    Decimal amount;
    absl::Duration window = absl::InfiniteDuration();
  };
  std::vector<Event> events_;
  mutable std::vector<Query> queries_;
};

}  // namespace portcullis::policy::testing

#endif  // PORTCULLIS_TESTS_POLICY_FAKE_USAGE_H_
