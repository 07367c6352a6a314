#include "policy/internal/time_window.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "policy/internal/quote.h"

namespace portcullis::policy::policy_internal {
namespace {

constexpr const char* kDayNames[] = {"sun", "mon", "tue", "wed",
                                     "thu", "fri", "sat"};

// Sunday = 0, as in the policy language.
int DayIndex(absl::Weekday day) {
  switch (day) {
    case absl::Weekday::sunday:
      return 0;
    case absl::Weekday::monday:
      return 1;
    case absl::Weekday::tuesday:
      return 2;
    case absl::Weekday::wednesday:
      return 3;
    case absl::Weekday::thursday:
      return 4;
    case absl::Weekday::friday:
      return 5;
    case absl::Weekday::saturday:
      return 6;
  }
  return 0;
}

std::string Clock(int seconds) {
  return absl::StrFormat("%02d:%02d", seconds / 3600, seconds / 60 % 60);
}

// Segments of [A-Za-z0-9_+-], each starting with a letter, joined by '/'.
bool IsZoneShaped(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  bool segment_start = true;
  for (char c : name) {
    if (c == '/') {
      if (segment_start) return false;
      segment_start = true;
      continue;
    }
    if (segment_start && !absl::ascii_isalpha(c)) return false;
    if (!absl::ascii_isalnum(c) && c != '_' && c != '+' && c != '-') {
      return false;
    }
    segment_start = false;
  }
  return !segment_start;
}

}  // namespace

TimeWindow TimeWindow::Hours(LoadedZone zone, int start_minute,
                             int end_minute) {
  TimeWindow w(std::move(zone));
  w.start_second_ = start_minute * 60;
  w.end_second_ = end_minute * 60;
  return w;
}

TimeWindow TimeWindow::Days(LoadedZone zone, uint8_t day_mask) {
  TimeWindow w(std::move(zone));
  w.is_days_ = true;
  w.day_mask_ = day_mask;
  return w;
}

void TimeWindow::LocalTime(absl::Time t, int* second_of_day,
                           int* weekday) const {
  int64_t local = 0;
  if (zone_.offsets != nullptr && zone_.offsets->LocalSeconds(t, &local)) {
    int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    *second_of_day = static_cast<int>(local - days * 86400);
    // 1970-01-01 was a Thursday (4).
    *weekday = static_cast<int>(((days + 4) % 7 + 7) % 7);
    return;
  }
  absl::CivilSecond civil = absl::ToCivilSecond(t, zone_.zone);
  *second_of_day = civil.hour() * 3600 + civil.minute() * 60 + civil.second();
  *weekday = DayIndex(absl::GetWeekday(absl::CivilDay(civil)));
}

bool TimeWindow::Contains(absl::Time t) const {
  int second = 0;
  int day = 0;
  LocalTime(t, &second, &day);
  if (is_days_) return (day_mask_ >> day) & 1;
  if (start_second_ < end_second_) {
    return start_second_ <= second && second < end_second_;
  }
  return second >= start_second_ || second < end_second_;
}

std::string TimeWindow::ToString() const {
  if (!is_days_) {
    return absl::StrCat("hours(", Clock(start_second_), "-", Clock(end_second_),
                        ", ", Quote(zone_.name), ")");
  }
  std::string days;
  for (int d = 0; d < 7; ++d) {
    if ((day_mask_ >> d) & 1) {
      absl::StrAppend(&days, days.empty() ? "" : ", ", kDayNames[d]);
    }
  }
  return absl::StrCat("days(", days, ", ", Quote(zone_.name), ")");
}

std::string TimeWindow::DescribeLocal(absl::Time t) const {
  absl::CivilSecond local = absl::ToCivilSecond(t, zone_.zone);
  return absl::StrFormat(
      "%s %04d-%02d-%02d %02d:%02d:%02d in %s",
      kDayNames[DayIndex(absl::GetWeekday(absl::CivilDay(local)))],
      local.year(), local.month(), local.day(), local.hour(), local.minute(),
      local.second(), zone_.name);
}

absl::StatusOr<absl::TimeZone> LoadZone(absl::string_view name) {
  if (!IsZoneShaped(name) || name == "localtime") {
    return absl::InvalidArgumentError(
        absl::StrCat(Quote(name),
                     " is not an IANA time zone name such as \"Asia/Riyadh\" "
                     "or \"UTC\""));
  }
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(std::string(name), &zone)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown time zone ", Quote(name),
                     ": use an IANA name such as \"Asia/Riyadh\""));
  }
  return zone;
}

absl::StatusOr<LoadedZone> ZoneCache::Load(const std::string& name) {
  auto it = zones_.find(name);
  if (it == zones_.end()) {
    absl::StatusOr<LoadedZone> loaded;
    absl::StatusOr<absl::TimeZone> zone = LoadZone(name);
    if (zone.ok()) {
      loaded = LoadedZone{*zone, name, ZoneOffsets::Build(*zone)};
    } else {
      loaded = zone.status();
    }
    it = zones_.emplace(name, std::move(loaded)).first;
  }
  return it->second;
}

}  // namespace portcullis::policy::policy_internal
