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

TimeWindow TimeWindow::Hours(absl::TimeZone zone, std::string zone_name,
                             int start_minute, int end_minute) {
  TimeWindow w(zone, std::move(zone_name));
  w.start_second_ = start_minute * 60;
  w.end_second_ = end_minute * 60;
  return w;
}

TimeWindow TimeWindow::Days(absl::TimeZone zone, std::string zone_name,
                            uint8_t day_mask) {
  TimeWindow w(zone, std::move(zone_name));
  w.is_days_ = true;
  w.day_mask_ = day_mask;
  return w;
}

bool TimeWindow::Contains(absl::Time t) const {
  absl::CivilSecond local = absl::ToCivilSecond(t, zone_);
  if (is_days_) {
    int day = DayIndex(absl::GetWeekday(absl::CivilDay(local)));
    return (day_mask_ >> day) & 1;
  }
  int second = local.hour() * 3600 + local.minute() * 60 + local.second();
  if (start_second_ < end_second_) {
    return start_second_ <= second && second < end_second_;
  }
  return second >= start_second_ || second < end_second_;
}

std::string TimeWindow::ToString() const {
  if (!is_days_) {
    return absl::StrCat("hours(", Clock(start_second_), "-", Clock(end_second_),
                        ", ", Quote(zone_name_), ")");
  }
  std::string days;
  for (int d = 0; d < 7; ++d) {
    if ((day_mask_ >> d) & 1) {
      absl::StrAppend(&days, days.empty() ? "" : ", ", kDayNames[d]);
    }
  }
  return absl::StrCat("days(", days, ", ", Quote(zone_name_), ")");
}

std::string TimeWindow::DescribeLocal(absl::Time t) const {
  absl::CivilSecond local = absl::ToCivilSecond(t, zone_);
  return absl::StrFormat(
      "%s %04d-%02d-%02d %02d:%02d:%02d in %s",
      kDayNames[DayIndex(absl::GetWeekday(absl::CivilDay(local)))],
      local.year(), local.month(), local.day(), local.hour(), local.minute(),
      local.second(), zone_name_);
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

absl::StatusOr<absl::TimeZone> ZoneCache::Load(const std::string& name) {
  auto it = zones_.find(name);
  if (it == zones_.end()) it = zones_.emplace(name, LoadZone(name)).first;
  return it->second;
}

}  // namespace portcullis::policy::policy_internal
