#include "gate/internal/decision_waiters.h"

#include <algorithm>
#include <vector>

#include "base/thread_name.h"

namespace portcullis::gate {

DecisionWaiters::DecisionWaiters()
    : timer_([this] {
        SetCurrentThreadName("gate-waits");
        RunTimer();
      }) {}

DecisionWaiters::~DecisionWaiters() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    timer_wakeup_.Signal();
  }
  timer_.join();
}

uint64_t DecisionWaiters::Add(std::string key, absl::Duration max_wait,
                              Callback done) {
  // Every wait ends: the longest is capped well below the clock's range.
  max_wait = std::clamp(max_wait, absl::ZeroDuration(), absl::Hours(24 * 365));
  const Instant until =
      std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(max_wait);
  absl::MutexLock lock(&mu_);
  const uint64_t id = next_id_++;
  by_key_[key].insert(id);
  const bool earliest =
      by_deadline_.empty() || until < by_deadline_.begin()->first;
  by_deadline_.emplace(until, id);
  waiters_.emplace(id, Waiter{std::move(key), until, std::move(done)});
  if (earliest) timer_wakeup_.Signal();
  return id;
}

DecisionWaiters::Callback DecisionWaiters::Take(
    absl::flat_hash_map<uint64_t, Waiter>::iterator it) {
  const uint64_t id = it->first;
  Waiter& w = it->second;
  auto key = by_key_.find(w.key);
  key->second.erase(id);
  if (key->second.empty()) by_key_.erase(key);
  by_deadline_.erase({w.until, id});
  Callback done = std::move(w.done);
  waiters_.erase(it);
  return done;
}

bool DecisionWaiters::Cancel(uint64_t id) {
  Callback dropped;  // destroyed outside the lock
  absl::MutexLock lock(&mu_);
  auto it = waiters_.find(id);
  if (it == waiters_.end()) return false;
  dropped = Take(it);
  return true;
}

void DecisionWaiters::Wake(absl::string_view key, const Decision& resolved) {
  std::vector<Callback> woken;
  {
    absl::MutexLock lock(&mu_);
    auto ids = by_key_.find(key);
    if (ids == by_key_.end()) return;
    std::vector<uint64_t> list(ids->second.begin(), ids->second.end());
    for (uint64_t id : list) woken.push_back(Take(waiters_.find(id)));
  }
  for (Callback& done : woken) std::move(done)(resolved);
}

size_t DecisionWaiters::size() const {
  absl::MutexLock lock(&mu_);
  return waiters_.size();
}

void DecisionWaiters::RunTimer() {
  mu_.Lock();
  while (!stopping_) {
    if (by_deadline_.empty()) {
      timer_wakeup_.Wait(&mu_);
      continue;
    }
    const Instant now = std::chrono::steady_clock::now();
    const Instant first = by_deadline_.begin()->first;
    if (first > now) {
      timer_wakeup_.WaitWithTimeout(&mu_, absl::FromChrono(first - now));
      continue;
    }
    std::vector<Callback> expired;
    while (!by_deadline_.empty() && by_deadline_.begin()->first <= now) {
      expired.push_back(Take(waiters_.find(by_deadline_.begin()->second)));
    }
    mu_.Unlock();
    for (Callback& done : expired) std::move(done)(std::nullopt);
    expired.clear();  // destroyed outside the lock too
    mu_.Lock();
  }
  mu_.Unlock();
}

}  // namespace portcullis::gate
