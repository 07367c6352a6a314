// hours() and days() decide by the local time of a named IANA zone; hour
// windows are half-open [start, end).
#include "policy/internal/time_window.h"

#include <catch2/catch.hpp>
#include <string>

#include "policy/compiled_policy.h"
#include "tests/policy/policy_testing.h"

namespace portcullis::policy {
namespace {

using policy_internal::LoadZone;
using policy_internal::TimeWindow;
using testing::At;
using testing::MakeAction;

bool Denied(const std::string& tenant_body, absl::Time at) {
  auto policy = testing::MustCompile(
      "policy \"p\" version \"1\"\ntenant \"t\" {\n" + tenant_body + "\n}\n");
  auto verdict = policy->Evaluate(MakeAction("t", "x"), at, EmptyUsage());
  REQUIRE(verdict.ok());
  return verdict->outcome == Outcome::kDeny;
}

std::string ToolDeniedUnless(const std::string& condition) {
  return "  tool x { class read\n    rule w \"window\" deny unless " +
         condition + "\n    rule ok \"ok\" allow }";
}

TEST_CASE("an hours window is half-open in its zone", "[time]") {
  std::string body = ToolDeniedUnless("hours(09:00-18:00, \"Asia/Riyadh\")");
  CHECK(Denied(body, At("Asia/Riyadh", 2026, 3, 1, 8, 59, 59)));
  CHECK_FALSE(Denied(body, At("Asia/Riyadh", 2026, 3, 1, 9, 0, 0)));
  CHECK_FALSE(Denied(body, At("Asia/Riyadh", 2026, 3, 1, 17, 59, 59)));
  CHECK(Denied(body, At("Asia/Riyadh", 2026, 3, 1, 18, 0, 0)));
  // 09:00 in Riyadh is 06:00 UTC.
  CHECK_FALSE(Denied(body, At("UTC", 2026, 3, 1, 6, 0)));
  CHECK(Denied(body, At("UTC", 2026, 3, 1, 15, 0)));
}

TEST_CASE("an overnight window wraps past midnight", "[time]") {
  std::string body = ToolDeniedUnless("hours(22:00-06:00, \"UTC\")");
  CHECK_FALSE(Denied(body, At("UTC", 2026, 3, 1, 23, 30)));
  CHECK_FALSE(Denied(body, At("UTC", 2026, 3, 2, 0, 0)));
  CHECK_FALSE(Denied(body, At("UTC", 2026, 3, 2, 5, 59)));
  CHECK(Denied(body, At("UTC", 2026, 3, 2, 6, 0)));
  CHECK(Denied(body, At("UTC", 2026, 3, 2, 21, 59)));
}

TEST_CASE("a window may end at 24:00", "[time]") {
  std::string body = ToolDeniedUnless("hours(20:00-24:00, \"UTC\")");
  CHECK_FALSE(Denied(body, At("UTC", 2026, 3, 1, 23, 59, 59)));
  CHECK(Denied(body, At("UTC", 2026, 3, 2, 0, 0)));
}

TEST_CASE("days select local weekdays, and ranges wrap", "[time]") {
  // 1 March 2026 is a Sunday.
  std::string body = ToolDeniedUnless("days(sun..thu, \"Asia/Riyadh\")");
  CHECK_FALSE(Denied(body, At("Asia/Riyadh", 2026, 3, 1, 12, 0)));  // sun
  CHECK_FALSE(Denied(body, At("Asia/Riyadh", 2026, 3, 5, 12, 0)));  // thu
  CHECK(Denied(body, At("Asia/Riyadh", 2026, 3, 6, 12, 0)));        // fri
  CHECK(Denied(body, At("Asia/Riyadh", 2026, 3, 7, 12, 0)));        // sat
  // Friday 23:30 UTC is already Saturday in Riyadh.
  CHECK(Denied(body, At("UTC", 2026, 3, 5, 23, 30)));  // thu UTC, fri local

  std::string weekend = ToolDeniedUnless("days(fri..sun, \"UTC\")");
  CHECK_FALSE(Denied(weekend, At("UTC", 2026, 3, 6, 12, 0)));  // fri
  CHECK_FALSE(Denied(weekend, At("UTC", 2026, 3, 1, 12, 0)));  // sun
  CHECK(Denied(weekend, At("UTC", 2026, 3, 2, 12, 0)));        // mon

  std::string listed = ToolDeniedUnless("days(mon, wed..thu, \"UTC\")");
  CHECK_FALSE(Denied(listed, At("UTC", 2026, 3, 2, 12, 0)));  // mon
  CHECK(Denied(listed, At("UTC", 2026, 3, 3, 12, 0)));        // tue
  CHECK_FALSE(Denied(listed, At("UTC", 2026, 3, 4, 12, 0)));  // wed
}

TEST_CASE("hours follow daylight saving time in zones that have it", "[time]") {
  // Berlin moves from UTC+1 to UTC+2 on 29 March 2026.
  std::string body = ToolDeniedUnless("hours(09:00-18:00, \"Europe/Berlin\")");
  CHECK_FALSE(Denied(body, At("UTC", 2026, 3, 28, 8, 0)));  // 09:00 CET
  CHECK(Denied(body, At("UTC", 2026, 3, 30, 6, 30)));       // 08:30 CEST
  CHECK_FALSE(Denied(body, At("UTC", 2026, 3, 30, 7, 0)));  // 09:00 CEST
}

TEST_CASE("the tenant's timezone is the default, and a rule may name another",
          "[time]") {
  std::string body =
      "  timezone \"Asia/Riyadh\"\n" + ToolDeniedUnless("hours(09:00-18:00)");
  CHECK(Denied(body, At("Asia/Riyadh", 2026, 3, 1, 8, 59)));
  CHECK_FALSE(Denied(body, At("Asia/Riyadh", 2026, 3, 1, 9, 0)));

  std::string other = "  timezone \"Asia/Riyadh\"\n" +
                      ToolDeniedUnless("hours(09:00-18:00, \"UTC\")");
  CHECK(Denied(other, At("UTC", 2026, 3, 1, 8, 59)));
  CHECK_FALSE(Denied(other, At("UTC", 2026, 3, 1, 9, 0)));
}

TEST_CASE("a time window describes itself and the local time", "[time]") {
  policy_internal::ZoneCache zones;
  auto zone = zones.Load("Asia/Riyadh");
  REQUIRE(zone.ok());
  TimeWindow hours = TimeWindow::Hours(*zone, 9 * 60, 18 * 60);
  CHECK(hours.ToString() == "hours(09:00-18:00, \"Asia/Riyadh\")");
  CHECK(hours.DescribeLocal(At("Asia/Riyadh", 2026, 1, 4, 8, 59)) ==
        "sun 2026-01-04 08:59:00 in Asia/Riyadh");
  TimeWindow days = TimeWindow::Days(*zone, 0b0011111);
  CHECK(days.ToString() == "days(sun, mon, tue, wed, thu, \"Asia/Riyadh\")");
}

TEST_CASE("windows decide the same outside the offset table's years",
          "[time]") {
  // The table covers 2000-2099; other years take Abseil's civil path.
  std::string body = ToolDeniedUnless(
      "hours(09:00-18:00, \"America/New_York\") and days(mon..fri, "
      "\"America/New_York\")");
  for (int year : {1985, 2026, 2150}) {
    INFO(year);
    // The first Monday of July, 08:59 and 09:00 New York daylight time.
    absl::CivilDay day(year, 7, 1);
    while (absl::GetWeekday(day) != absl::Weekday::monday) ++day;
    CHECK(Denied(body, At("America/New_York", year, 7, day.day(), 8, 59)));
    CHECK_FALSE(Denied(body, At("America/New_York", year, 7, day.day(), 9, 0)));
    CHECK(Denied(body, At("America/New_York", year, 7, day.day() + 5, 12, 0)));
  }
}

TEST_CASE("only IANA-shaped zone names are loaded", "[time]") {
  CHECK(LoadZone("UTC").ok());
  CHECK(LoadZone("America/Argentina/Buenos_Aires").ok());
  CHECK(LoadZone("Etc/GMT+3").ok());
  for (const char* bad : {"", "/etc/localtime", "../zoneinfo/UTC", "Asia//X",
                          "Asia/", "localtime", "Fixed/UTC+03:00", "a b"}) {
    INFO(bad);
    auto zone = LoadZone(bad);
    CHECK(zone.status().code() == absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace portcullis::policy
