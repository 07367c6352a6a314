// ZoneOffsets is a time zone's UTC offsets between 2000 and 2100 as a sorted
// table, built once at compile time from Abseil's transitions. Finding the
// local time of an instant is then a binary search and an addition, instead
// of a full civil-time conversion on every decision. Immutable; thread-safe.
#ifndef PORTCULLIS_POLICY_INTERNAL_ZONE_OFFSETS_H_
#define PORTCULLIS_POLICY_INTERNAL_ZONE_OFFSETS_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/time/time.h"

namespace portcullis::policy::policy_internal {

class ZoneOffsets {
 public:
  // Builds the table for `zone`; transitions past a sanity bound are left
  // to the slow path.
  static std::shared_ptr<const ZoneOffsets> Build(absl::TimeZone zone);

  // Sets *local to the seconds since 1970-01-01T00:00 local civil time at
  // `t` (unix seconds plus the offset in force) and returns true, or
  // returns false when `t` is outside the table's years.
  bool LocalSeconds(absl::Time t, int64_t* local) const;

 private:
  ZoneOffsets() = default;

  std::vector<int64_t> starts_;   // unix seconds where offsets_[i] starts
  std::vector<int32_t> offsets_;  // seconds east of UTC
  int64_t end_ = 0;               // unix seconds where the table ends
};

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_ZONE_OFFSETS_H_
