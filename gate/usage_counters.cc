#include "gate/usage_counters.h"

#include <algorithm>

namespace portcullis::gate {
namespace {

// The first event strictly after `since`.
template <typename Events>
auto FirstAfter(Events& events, absl::Time since) {
  return std::upper_bound(
      events.begin(), events.end(), since,
      [](absl::Time t, const auto& event) { return t < event.at; });
}

}  // namespace

int64_t UsageCounters::Count(absl::string_view counter,
                             absl::Time since) const {
  auto it = series_.find(counter);
  if (it == series_.end()) return 0;
  const auto& events = it->second.events;
  return events.end() - FirstAfter(events, since);
}

policy::Decimal UsageCounters::Sum(absl::string_view counter,
                                   absl::Time since) const {
  policy::Decimal sum;
  auto it = series_.find(counter);
  if (it == series_.end()) return sum;
  const auto& events = it->second.events;
  for (auto e = FirstAfter(events, since); e != events.end(); ++e) {
    // Charged amounts were each within limits, so their sum is far below
    // 18 integer digits; saturate rather than fail if it ever is not.
    auto next = sum.Add(e->amount);
    if (!next.ok()) return sum;
    sum = *next;
  }
  return sum;
}

void UsageCounters::Charge(const std::vector<policy::UsageCharge>& charges,
                           absl::Time at) {
  for (const policy::UsageCharge& charge : charges) {
    Series& series = series_[charge.counter];
    series.window = std::max(series.window, charge.window);
    Event event{at, charge.amount.value_or(policy::Decimal::FromInteger(1))};
    // Keep the order by time; events almost always arrive in order.
    auto where = FirstAfter(series.events, at);
    series.events.insert(where, event);
    // Forget what has left the window.
    auto keep = FirstAfter(series.events, at - series.window);
    series.events.erase(series.events.begin(), keep);
  }
}

void UsageCounters::Uncharge(const std::vector<policy::UsageCharge>& charges,
                             absl::Time at) {
  for (const policy::UsageCharge& charge : charges) {
    auto it = series_.find(charge.counter);
    if (it == series_.end()) continue;
    auto& events = it->second.events;
    policy::Decimal amount =
        charge.amount.value_or(policy::Decimal::FromInteger(1));
    auto match = std::find_if(
        events.begin(), events.end(),
        [&](const Event& e) { return e.at == at && e.amount == amount; });
    if (match != events.end()) events.erase(match);
  }
}

size_t UsageCounters::events() const {
  size_t n = 0;
  for (const auto& [key, series] : series_) n += series.events.size();
  return n;
}

}  // namespace portcullis::gate
