#include "policy/internal/zone_offsets.h"

#include <algorithm>

#include "absl/time/civil_time.h"

namespace portcullis::policy::policy_internal {
namespace {

constexpr size_t kMaxTransitions = 4096;

int64_t UnixSeconds(const absl::CivilSecond& utc) {
  return utc - absl::CivilSecond(1970, 1, 1, 0, 0, 0);
}

}  // namespace

std::shared_ptr<const ZoneOffsets> ZoneOffsets::Build(absl::TimeZone zone) {
  auto table = std::shared_ptr<ZoneOffsets>(new ZoneOffsets());
  int64_t start = UnixSeconds(absl::CivilSecond(2000, 1, 1, 0, 0, 0));
  table->end_ = UnixSeconds(absl::CivilSecond(2100, 1, 1, 0, 0, 0));
  absl::Time t = absl::FromUnixSeconds(start);
  table->starts_.push_back(start);
  table->offsets_.push_back(zone.At(t).offset);
  absl::TimeZone::CivilTransition transition;
  while (zone.NextTransition(t, &transition)) {
    // At the transition, local time jumps from `from` (under the offset in
    // force until then) to `to`.
    int64_t at = UnixSeconds(transition.from) - table->offsets_.back();
    if (at >= table->end_) break;
    if (at <= table->starts_.back() ||
        table->starts_.size() == kMaxTransitions) {
      // Not what a well-formed zone gives: stop the table here and let
      // later instants take the slow path.
      table->end_ = table->starts_.back();
      break;
    }
    t = absl::FromUnixSeconds(at);
    table->starts_.push_back(at);
    table->offsets_.push_back(zone.At(t).offset);
  }
  return table;
}

bool ZoneOffsets::LocalSeconds(absl::Time t, int64_t* local) const {
  int64_t unix = absl::ToUnixSeconds(t);
  if (unix < starts_.front() || unix >= end_) return false;
  auto it = std::upper_bound(starts_.begin(), starts_.end(), unix);
  *local = unix + offsets_[static_cast<size_t>(it - starts_.begin()) - 1];
  return true;
}

}  // namespace portcullis::policy::policy_internal
