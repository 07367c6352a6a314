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

int64_t UsageCounters::LiveSessions(absl::Time now) const {
  int64_t ended = 0;
  for (const auto& [end, key] : session_ends_) {
    if (end > now) break;
    ++ended;
  }
  return static_cast<int64_t>(session_ends_.size()) - ended;
}

bool UsageCounters::SyncSession(const std::string& key, Series& series) {
  if (!series.session) return false;
  session_ends_.erase({series.ends, key});
  if (series.events.empty()) {
    series_.erase(key);
    return true;
  }
  series.ends = series.events.back().at + series.window;
  session_ends_.emplace(series.ends, key);
  return false;
}

void UsageCounters::ForgetEndedSessions(absl::Time at) {
  while (!session_ends_.empty() && session_ends_.begin()->first <= at) {
    auto node = session_ends_.extract(session_ends_.begin());
    series_.erase(node.value().second);
  }
}

void UsageCounters::Charge(const std::vector<policy::UsageCharge>& charges,
                           absl::Time at) {
  ForgetEndedSessions(at);
  for (const policy::UsageCharge& charge : charges) {
    auto [it, created] = series_.try_emplace(charge.counter);
    Series& series = it->second;
    if (created) series.session = policy::IsSessionEventsKey(charge.counter);
    series.window = std::max(series.window, charge.window);
    Event event{at, charge.amount.value_or(policy::Decimal::FromInteger(1))};
    // Keep the order by time; events almost always arrive in order.
    auto where = FirstAfter(series.events, at);
    series.events.insert(where, event);
    // Forget what has left the window.
    auto keep = FirstAfter(series.events, at - series.window);
    series.events.erase(series.events.begin(), keep);
    SyncSession(charge.counter, series);
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
    SyncSession(charge.counter, it->second);
  }
}

size_t UsageCounters::events() const {
  size_t n = 0;
  for (const auto& [key, series] : series_) n += series.events.size();
  return n;
}

std::vector<UsageCounters::SeriesEvents> UsageCounters::Export() const {
  std::vector<SeriesEvents> out;
  out.reserve(series_.size());
  for (const auto& [key, series] : series_) {
    SeriesEvents s{key, series.window, {}};
    s.events.reserve(series.events.size());
    for (const Event& e : series.events) s.events.emplace_back(e.at, e.amount);
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(),
            [](const SeriesEvents& a, const SeriesEvents& b) {
              return a.counter < b.counter;
            });
  return out;
}

void UsageCounters::Import(SeriesEvents in) {
  Series& series = series_[in.counter];
  if (series.session) session_ends_.erase({series.ends, in.counter});
  series.session = policy::IsSessionEventsKey(in.counter);
  series.window = in.window;
  series.events.clear();
  series.events.reserve(in.events.size());
  for (auto& [at, amount] : in.events) series.events.push_back({at, amount});
  std::stable_sort(series.events.begin(), series.events.end(),
                   [](const Event& a, const Event& b) { return a.at < b.at; });
  if (series.session) {
    if (series.events.empty()) {
      series_.erase(in.counter);
    } else {
      series.ends = series.events.back().at + series.window;
      session_ends_.emplace(series.ends, in.counter);
    }
  }
}

void UsageCounters::ForgetThrough(absl::Time cutoff) {
  for (auto it = series_.begin(); it != series_.end();) {
    auto& events = it->second.events;
    events.erase(events.begin(), FirstAfter(events, cutoff));
    if (events.empty()) {
      if (it->second.session) session_ends_.erase({it->second.ends, it->first});
      series_.erase(it++);
    } else {
      ++it;
    }
  }
}

}  // namespace portcullis::gate
