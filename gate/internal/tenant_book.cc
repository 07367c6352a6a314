#include "gate/internal/tenant_book.h"

#include <algorithm>
#include <iterator>

namespace portcullis::gate::gate_internal {
namespace {

// Oldest first; requests decided at the same instant keep their order.
void SortOldestFirst(std::vector<DecisionState>& requests) {
  std::stable_sort(requests.begin(), requests.end(),
                   [](const DecisionState& a, const DecisionState& b) {
                     return a.original.decided_at < b.original.decided_at;
                   });
}

}  // namespace

// The View's accessors run only while the book holds its lock (a View
// exists only inside WithLock, Reserve's plan and Release's settle); each
// says so to the analysis.

UsageCounters& TenantBook::View::usage() {
  book_.mu_.AssertHeld();
  return book_.usage_;
}

const UsageCounters& TenantBook::View::usage() const {
  book_.mu_.AssertHeld();
  return book_.usage_;
}

const std::map<std::string, DecisionState>& TenantBook::View::pending() const {
  book_.mu_.AssertHeld();
  return book_.pending_;
}

DecisionState* TenantBook::View::FindPending(absl::string_view id) {
  book_.mu_.AssertHeld();
  auto it = book_.pending_.find(std::string(id));
  return it == book_.pending_.end() ? nullptr : &it->second;
}

DecisionState& TenantBook::View::PendingSlot(const std::string& id) {
  book_.mu_.AssertHeld();
  return book_.pending_[id];
}

void TenantBook::View::Enqueue(DecisionState state) {
  book_.mu_.AssertHeld();
  std::string id = state.original.id;
  book_.unrecorded_.insert(id);
  book_.pending_.emplace(std::move(id), std::move(state));
}

void TenantBook::View::Restore(DecisionState state) {
  book_.mu_.AssertHeld();
  std::string id = state.original.id;
  book_.pending_.emplace(std::move(id), std::move(state));
}

void TenantBook::View::MarkRecorded(const std::string& id) {
  book_.mu_.AssertHeld();
  book_.unrecorded_.erase(id);
}

void TenantBook::View::ErasePending(const std::string& id) {
  book_.mu_.AssertHeld();
  book_.pending_.erase(id);
}

std::vector<DecisionState> TenantBook::View::RecordedQueue() const {
  book_.mu_.AssertHeld();
  return book_.RecordedQueueLocked();
}

void TenantBook::View::Publish(QueueEvent::Kind kind,
                               const DecisionState& state) {
  book_.mu_.AssertHeld();
  book_.events_.push_back({kind, state});
  ++book_.next_event_;
  if (book_.events_.size() > kMaxEvents) book_.events_.pop_front();
  for (auto it = book_.listeners_.begin(); it != book_.listeners_.end();) {
    auto next = std::next(it);
    if (!(*it)->OnQueueEvent(book_.events_.back())) book_.listeners_.erase(it);
    it = next;
  }
  book_.changed_.SignalAll();
}

const IdempotencyRecord* TenantBook::View::FindExecuted(
    absl::string_view key) const {
  book_.mu_.AssertHeld();
  auto it = book_.idempotency_.find(key);
  return it == book_.idempotency_.end() ? nullptr : &it->second;
}

void TenantBook::View::RememberExecuted(const std::string& key,
                                        IdempotencyRecord record,
                                        absl::Time horizon) {
  book_.mu_.AssertHeld();
  book_.idempotency_[key] = std::move(record);
  // Forget keys that have left the window.
  absl::erase_if(book_.idempotency_, [&](const auto& entry) {
    return entry.second.receipt.executed_at < horizon;
  });
}

void TenantBook::View::RestoreExecuted(const std::string& key,
                                       IdempotencyRecord record) {
  book_.mu_.AssertHeld();
  book_.idempotency_.emplace(key, std::move(record));
}

size_t TenantBook::View::executed_count() const {
  book_.mu_.AssertHeld();
  return book_.idempotency_.size();
}

std::vector<std::pair<std::string, IdempotencyRecord>>
TenantBook::View::Executed() const {
  book_.mu_.AssertHeld();
  return {book_.idempotency_.begin(), book_.idempotency_.end()};
}

const std::map<std::string, StandingState>& TenantBook::View::standing() const {
  book_.mu_.AssertHeld();
  return book_.standing_;
}

StandingState* TenantBook::View::FindStanding(absl::string_view id) {
  book_.mu_.AssertHeld();
  auto it = book_.standing_.find(std::string(id));
  return it == book_.standing_.end() ? nullptr : &it->second;
}

void TenantBook::View::PutStanding(StandingState state) {
  book_.mu_.AssertHeld();
  std::string id = state.approval.id;
  book_.standing_.insert_or_assign(std::move(id), std::move(state));
}

bool TenantBook::View::halted() const {
  book_.mu_.AssertHeld();
  return book_.halted_;
}

const std::string& TenantBook::View::halt_reason() const {
  book_.mu_.AssertHeld();
  return book_.halt_reason_;
}

bool TenantBook::AnyBusy(absl::Span<const std::string> keys) const {
  for (const std::string& key : keys) {
    if (busy_.contains(key)) return true;
  }
  return false;
}

bool TenantBook::Reserve(absl::Span<const std::string> keys, Wait wait,
                         absl::FunctionRef<bool(View&)> plan) {
  absl::MutexLock lock(&mu_);
  // One write at a time per key; the others wait and then plan on what it
  // left.
  while (AnyBusy(keys)) {
    if (wait == Wait::kSkipIfBusy) return false;
    changed_.Wait(&mu_);
  }
  View view(*this);
  if (!plan(view)) return false;
  for (const std::string& key : keys) busy_.insert(key);
  return true;
}

void TenantBook::Release(absl::Span<const std::string> keys,
                         absl::FunctionRef<void(View&)> settle) {
  absl::MutexLock lock(&mu_);
  for (const std::string& key : keys) busy_.erase(key);
  View view(*this);
  settle(view);
  if (!keys.empty()) changed_.SignalAll();
}

bool TenantBook::Write(absl::Span<const std::string> keys,
                       absl::FunctionRef<bool(View&)> plan,
                       absl::FunctionRef<void()> append,
                       absl::FunctionRef<void(View&)> settle) {
  if (!Reserve(keys, Wait::kWait, plan)) return false;
  append();
  Release(keys, settle);
  return true;
}

std::optional<std::string> TenantBook::HaltReason() const {
  absl::MutexLock lock(&mu_);
  if (!halted_) return std::nullopt;
  return halt_reason_;
}

bool TenantBook::Halted() const {
  absl::MutexLock lock(&mu_);
  return halted_;
}

void TenantBook::SetHalt(bool halted, std::string reason) {
  absl::MutexLock lock(&mu_);
  halted_ = halted;
  halt_reason_ = std::move(reason);
}

UsageCounters TenantBook::Usage() const {
  absl::MutexLock lock(&mu_);
  return usage_;
}

size_t TenantBook::PendingCount() const {
  absl::MutexLock lock(&mu_);
  return pending_.size();
}

std::vector<DecisionState> TenantBook::OpenRequests() const {
  std::vector<DecisionState> out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, s] : pending_) out.push_back(s);
  }
  SortOldestFirst(out);
  return out;
}

std::vector<DecisionState> TenantBook::RecordedQueueLocked() const {
  std::vector<DecisionState> open;
  for (const auto& [id, s] : pending_) {
    if (!unrecorded_.contains(id)) open.push_back(s);
  }
  SortOldestFirst(open);
  return open;
}

std::vector<DecisionState> TenantBook::Subscribe(QueueListener* listener) {
  absl::MutexLock lock(&mu_);
  listeners_.insert(listener);
  return RecordedQueueLocked();
}

void TenantBook::Unsubscribe(QueueListener* listener) {
  absl::MutexLock lock(&mu_);
  listeners_.erase(listener);
}

size_t TenantBook::Listeners() const {
  absl::MutexLock lock(&mu_);
  return listeners_.size();
}

std::vector<DecisionState> TenantBook::WatchFrom(uint64_t& cursor) {
  absl::MutexLock lock(&mu_);
  cursor = next_event_;
  return RecordedQueueLocked();
}

std::optional<std::vector<QueueEvent>> TenantBook::EventsAfter(
    uint64_t& cursor, absl::FunctionRef<bool()> cancelled,
    absl::Duration poll) {
  std::vector<QueueEvent> batch;
  absl::MutexLock lock(&mu_);
  while (next_event_ == cursor && !cancelled()) {
    changed_.WaitWithTimeout(&mu_, poll);
  }
  if (cancelled()) return std::nullopt;
  uint64_t oldest = next_event_ - events_.size();
  if (cursor < oldest) {
    // Too far behind: start over from the current queue.
    for (DecisionState& s : RecordedQueueLocked()) {
      batch.push_back({QueueEvent::Kind::kAdded, std::move(s)});
    }
  } else {
    batch.assign(events_.begin() + (cursor - oldest), events_.end());
  }
  cursor = next_event_;
  return batch;
}

TenantBook& TenantRegistry::Get(absl::string_view tenant) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<TenantBook>& book = tenants_[tenant];
  if (book == nullptr) book = std::make_unique<TenantBook>();
  return *book;
}

std::vector<std::string> TenantRegistry::Names() const {
  std::vector<std::string> out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, book] : tenants_) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void TenantRegistry::SetGateHalt(bool halted, std::string reason) {
  absl::MutexLock lock(&mu_);
  gate_halted_ = halted;
  gate_halt_reason_ = std::move(reason);
}

bool TenantRegistry::GateHalted(std::string* reason) const {
  absl::MutexLock lock(&mu_);
  if (reason != nullptr) *reason = gate_halt_reason_;
  return gate_halted_;
}

}  // namespace portcullis::gate::gate_internal
