#include "gate/usage_counters.h"

#include <catch2/catch.hpp>

namespace portcullis::gate {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1767528000);

policy::UsageCharge Rate(const std::string& counter) {
  return {counter, absl::Hours(1), std::nullopt};
}

policy::UsageCharge Spend(const std::string& counter, const char* amount) {
  return {counter, absl::Hours(24), *policy::Decimal::Parse(amount)};
}

TEST_CASE("events count until they leave their window", "[usage_counters]") {
  UsageCounters u;
  u.Charge({Rate("c")}, kT0);
  u.Charge({Rate("c")}, kT0 + absl::Minutes(30));
  CHECK(u.Count("c", kT0 - absl::Seconds(1)) == 2);
  // An event exactly at `since` has left the window.
  CHECK(u.Count("c", kT0) == 1);
  CHECK(u.Count("other", kT0 - absl::Hours(1)) == 0);
}

TEST_CASE("spend sums amounts exactly", "[usage_counters]") {
  UsageCounters u;
  u.Charge({Spend("s", "0.10")}, kT0);
  u.Charge({Spend("s", "0.20")}, kT0 + absl::Minutes(1));
  CHECK(u.Sum("s", kT0 - absl::Seconds(1)) == *policy::Decimal::Parse("0.3"));
  CHECK(u.Sum("s", kT0) == *policy::Decimal::Parse("0.2"));
}

TEST_CASE("old events are forgotten as new ones arrive", "[usage_counters]") {
  UsageCounters u;
  u.Charge({Rate("c")}, kT0);
  u.Charge({Rate("c")}, kT0 + absl::Hours(2));
  CHECK(u.events() == 1);
}

TEST_CASE("events arriving out of order are kept in order",
          "[usage_counters]") {
  UsageCounters u;
  u.Charge({Rate("c")}, kT0 + absl::Minutes(10));
  u.Charge({Rate("c")}, kT0);
  CHECK(u.Count("c", kT0 + absl::Minutes(5)) == 1);
}

TEST_CASE("uncharging removes exactly the charged event", "[usage_counters]") {
  UsageCounters u;
  u.Charge({Rate("c"), Spend("s", "5")}, kT0);
  u.Charge({Rate("c"), Spend("s", "7")}, kT0 + absl::Minutes(1));
  u.Uncharge({Rate("c"), Spend("s", "5")}, kT0);
  CHECK(u.Count("c", kT0 - absl::Seconds(1)) == 1);
  CHECK(u.Sum("s", kT0 - absl::Seconds(1)) == policy::Decimal::FromInteger(7));
}

policy::UsageCharge SessionEvents(const std::string& session) {
  return {"t/session:events/agent=a/session=" + session, absl::Hours(1), {}};
}

TEST_CASE("live sessions are the session counters with an event in window",
          "[usage_counters][sessions]") {
  UsageCounters u;
  u.Charge({SessionEvents("s-1"), Rate("t/rule/session=s-1")}, kT0);
  u.Charge({SessionEvents("s-2")}, kT0 + absl::Minutes(30));
  CHECK(u.LiveSessions(kT0) == 2);
  CHECK(u.sessions() == 2);
  // s-1's only event leaves its window an hour after it was charged.
  CHECK(u.LiveSessions(kT0 + absl::Hours(1) - absl::Seconds(1)) == 2);
  CHECK(u.LiveSessions(kT0 + absl::Hours(1)) == 1);
  // A charge forgets the sessions that ended before it.
  u.Charge({SessionEvents("s-3")}, kT0 + absl::Hours(1));
  CHECK(u.sessions() == 2);
  CHECK(u.Count("t/session:events/agent=a/session=s-1", kT0 - absl::Hours(1)) ==
        0);
  // Uncharging a session's only event ends it.
  u.Uncharge({SessionEvents("s-3")}, kT0 + absl::Hours(1));
  CHECK(u.LiveSessions(kT0 + absl::Hours(1)) == 1);
}

TEST_CASE("imported session counters are live again",
          "[usage_counters][sessions]") {
  UsageCounters u;
  u.Charge({SessionEvents("s-1")}, kT0);
  UsageCounters v;
  for (auto& series : u.Export()) v.Import(std::move(series));
  CHECK(v.LiveSessions(kT0) == 1);
  v.ForgetThrough(kT0);
  CHECK(v.LiveSessions(kT0) == 0);
  CHECK(v.sessions() == 0);
}

}  // namespace
}  // namespace portcullis::gate
