// TimeWindow is a compiled hours(...) or days(...) test: whether an instant
// falls, in a named time zone, within a daily window [start, end) or on one
// of a set of weekdays. Immutable; thread-safe.
#ifndef PORTCULLIS_POLICY_INTERNAL_TIME_WINDOW_H_
#define PORTCULLIS_POLICY_INTERNAL_TIME_WINDOW_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "policy/internal/zone_offsets.h"

namespace portcullis::policy::policy_internal {

// A time zone as loaded for a policy: Abseil's zone, its name, and its
// offset table.
struct LoadedZone {
  absl::TimeZone zone;
  std::string name;
  std::shared_ptr<const ZoneOffsets> offsets;
};

class TimeWindow {
 public:
  // Local times [start_minute, end_minute) each day; an end before the start
  // wraps past midnight (22:00-06:00). end_minute may be 24 * 60.
  static TimeWindow Hours(LoadedZone zone, int start_minute, int end_minute);
  // Local weekdays: bit d of `day_mask` for weekday d, Sunday = 0.
  static TimeWindow Days(LoadedZone zone, uint8_t day_mask);

  // Returns true when `t` falls within the window.
  bool Contains(absl::Time t) const;

  // "hours(09:00-18:00, \"Asia/Riyadh\")" or "days(sun, mon, ...)".
  std::string ToString() const;
  // The local time of `t` in this window's zone, for explanations:
  // "Sun 08:59:00 in Asia/Riyadh".
  std::string DescribeLocal(absl::Time t) const;

 private:
  explicit TimeWindow(LoadedZone zone) : zone_(std::move(zone)) {}

  // Seconds since local midnight and the weekday (Sunday = 0) at `t`.
  void LocalTime(absl::Time t, int* second_of_day, int* weekday) const;

  LoadedZone zone_;
  bool is_days_ = false;
  int start_second_ = 0;
  int end_second_ = 0;
  uint8_t day_mask_ = 0;
};

// Loads an IANA time zone ("Asia/Riyadh", "UTC") through Abseil. Only
// names shaped like IANA ids are tried: no absolute or relative paths, no
// "localtime", so a policy means the same on every machine. Returns
// InvalidArgument for a malformed or unknown name.
absl::StatusOr<absl::TimeZone> LoadZone(absl::string_view name);

// Remembers loaded zones (with their offset tables) for one compilation, so
// a zone named in a hundred rules is read once. Returns LoadZone()'s errors.
// Not thread-safe.
class ZoneCache {
 public:
  absl::StatusOr<LoadedZone> Load(const std::string& name);

 private:
  absl::flat_hash_map<std::string, absl::StatusOr<LoadedZone>> zones_;
};

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_TIME_WINDOW_H_
