#include "gate/internal/fatigue_cap.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace portcullis::gate {

absl::Status FatigueCap::Take(absl::string_view approver, absl::Time now,
                              absl::string_view what) {
  if (options_.max_per_window <= 0) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  std::deque<absl::Time>& taken = taken_[approver];
  while (!taken.empty() && now - taken.front() >= options_.window) {
    taken.pop_front();
  }
  if (taken.size() >= static_cast<size_t>(options_.max_per_window)) {
    const absl::Time frees = taken.front() + options_.window;
    return absl::ResourceExhaustedError(absl::StrCat(
        "fatigue cap: approver \"", approver, "\" has signed ", taken.size(),
        " approvals within the last ", absl::FormatDuration(options_.window),
        " (the cap is ", options_.max_per_window, " per ",
        absl::FormatDuration(options_.window), "); this ", what,
        " is refused. The next is possible at ",
        absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", frees, absl::UTCTimeZone()),
        " (in ",
        absl::FormatDuration(absl::Ceil(frees - now, absl::Seconds(1))),
        "); until then another approver can sign"));
  }
  taken.push_back(now);
  return absl::OkStatus();
}

void FatigueCap::GiveBack(absl::string_view approver, absl::Time at) {
  if (options_.max_per_window <= 0) return;
  absl::MutexLock lock(&mu_);
  auto it = taken_.find(approver);
  if (it == taken_.end()) return;
  auto pos = std::find(it->second.begin(), it->second.end(), at);
  if (pos != it->second.end()) it->second.erase(pos);
}

void FatigueCap::Restore(absl::string_view approver,
                         const std::vector<absl::Time>& at, absl::Time now) {
  if (options_.max_per_window <= 0) return;
  absl::MutexLock lock(&mu_);
  std::deque<absl::Time>& taken = taken_[approver];
  for (absl::Time t : at) {
    if (now - t < options_.window) taken.push_back(t);
  }
  // One approver's signatures come from every tenant they approve for.
  std::sort(taken.begin(), taken.end());
  // Only the newest max_per_window can refuse a signature.
  while (taken.size() > static_cast<size_t>(options_.max_per_window)) {
    taken.pop_front();
  }
  if (taken.empty()) taken_.erase(taken_.find(approver));
}

}  // namespace portcullis::gate
