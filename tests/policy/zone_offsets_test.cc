#include "policy/internal/zone_offsets.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace portcullis::policy::policy_internal {
namespace {

int64_t CivilLocalSeconds(absl::Time t, absl::TimeZone zone) {
  return absl::ToCivilSecond(t, zone) - absl::CivilSecond(1970, 1, 1, 0, 0, 0);
}

TEST_CASE("the offset table gives Abseil's local time in its years",
          "[zones]") {
  std::mt19937_64 rng(42);
  const int64_t from = 946684800;  // 2000-01-01T00:00:00Z
  const int64_t to = 4102444800;   // 2100-01-01T00:00:00Z
  std::uniform_int_distribution<int64_t> instant(from, to - 1);
  for (const char* name :
       {"UTC", "Asia/Riyadh", "Europe/Berlin", "America/New_York",
        "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Apia",
        "America/Sao_Paulo", "Africa/Casablanca"}) {
    INFO(name);
    absl::TimeZone zone;
    REQUIRE(absl::LoadTimeZone(name, &zone));
    auto table = ZoneOffsets::Build(zone);
    for (int i = 0; i < 20000; ++i) {
      absl::Time t = absl::FromUnixSeconds(instant(rng));
      int64_t local = 0;
      REQUIRE(table->LocalSeconds(t, &local));
      REQUIRE(local == CivilLocalSeconds(t, zone));
    }
  }
}

TEST_CASE("the offset table is exact around a transition", "[zones]") {
  absl::TimeZone berlin;
  REQUIRE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  auto table = ZoneOffsets::Build(berlin);
  // 2026-03-29T01:00:00Z: 02:00 CET becomes 03:00 CEST.
  absl::Time change = absl::FromUnixSeconds(1774746000);
  for (int delta : {-2, -1, 0, 1, 2}) {
    absl::Time t = change + absl::Seconds(delta);
    int64_t local = 0;
    REQUIRE(table->LocalSeconds(t, &local));
    CHECK(local == CivilLocalSeconds(t, berlin));
  }
}

TEST_CASE("instants outside the table's years are left to the caller",
          "[zones]") {
  auto table = ZoneOffsets::Build(absl::UTCTimeZone());
  int64_t local = 0;
  CHECK_FALSE(table->LocalSeconds(absl::FromUnixSeconds(0), &local));
  CHECK_FALSE(table->LocalSeconds(absl::FromUnixSeconds(4102444800), &local));
  CHECK(table->LocalSeconds(absl::FromUnixSeconds(4102444799), &local));
  CHECK(local == 4102444799);
}

}  // namespace
}  // namespace portcullis::policy::policy_internal
