// TenantBook owns one tenant's in-memory state — limit counters, open
// approval requests, idempotency keys, standing approvals, the tenant's
// halt and the approval queue's events — and is the one place where the
// gate core's write protocol is written (issue 20):
//
//   reserve the keys -> plan under the lock -> append to the ledger without
//   it -> commit or roll back under the lock -> release the keys, wake the
//   writers that waited for them.
//
// Every field is private. Code that decides under the lock gets a View,
// which only the book makes and only while it holds its lock; everything
// else goes through narrow methods that lock for themselves. Everything
// here is a projection of the ledger, rebuilt at start
// (gate/internal/recovery.h). Thread-safe; TenantRegistry too.
#ifndef PORTCULLIS_GATE_INTERNAL_TENANT_BOOK_H_
#define PORTCULLIS_GATE_INTERNAL_TENANT_BOOK_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "gate/decision_state.h"
#include "gate/tenant_state.h"
#include "gate/usage_counters.h"

namespace portcullis::gate::gate_internal {

// The keys a write reserves: a decision ("d:"), a standing approval ("s:")
// or an idempotency key ("k:") with a write in flight.
inline std::string BusyDecision(absl::string_view id) {
  return "d:" + std::string(id);
}
inline std::string BusyStanding(absl::string_view id) {
  return "s:" + std::string(id);
}
inline std::string BusyKey(absl::string_view idempotency_key) {
  return "k:" + std::string(idempotency_key);
}

class TenantBook {
 public:
  // How many queue events are kept for watchers that fall behind; a
  // watcher further behind starts over from a fresh listing.
  static constexpr size_t kMaxEvents = 1024;

  // The tenant's state, handed to a plan, a commit or WithLock while the
  // book holds its lock; never valid after that call returns. Reads are
  // open (const); changes have names.
  class View {
   public:
    View(const View&) = delete;
    View& operator=(const View&) = delete;

    UsageCounters& usage();
    const UsageCounters& usage() const;

    // Open approval requests by decision id, recorded or not.
    const std::map<std::string, DecisionState>& pending() const;
    // The open request `id`, or null.
    DecisionState* FindPending(absl::string_view id);
    // The open request `id`, made empty when there is none (a commit's
    // target).
    DecisionState& PendingSlot(const std::string& id);
    // Queues a freshly decided request whose entries are not yet recorded:
    // watchers' listings leave it out until MarkRecorded.
    void Enqueue(DecisionState state);
    // Queues a request rebuilt from the ledger (recorded).
    void Restore(DecisionState state);
    // The request's entries are recorded (or will never be).
    void MarkRecorded(const std::string& id);
    void ErasePending(const std::string& id);
    // The recorded open requests, oldest first.
    std::vector<DecisionState> RecordedQueue() const;
    // Appends a queue event, tells the listeners and wakes waiters.
    void Publish(QueueEvent::Kind kind, const DecisionState& state);

    // Executions remembered by idempotency key.
    const IdempotencyRecord* FindExecuted(absl::string_view key) const;
    // Remembers an execution and forgets those executed before `horizon`.
    void RememberExecuted(const std::string& key, IdempotencyRecord record,
                          absl::Time horizon);
    // Remembers an execution rebuilt from the ledger (the first wins).
    void RestoreExecuted(const std::string& key, IdempotencyRecord record);
    size_t executed_count() const;
    // Every remembered key, for comparing states (tests, benchmarks).
    std::vector<std::pair<std::string, IdempotencyRecord>> Executed() const;

    // Standing approvals by id, until their window ends.
    const std::map<std::string, StandingState>& standing() const;
    StandingState* FindStanding(absl::string_view id);
    // Adds or replaces `state` (by its approval's id).
    void PutStanding(StandingState state);

    bool halted() const;
    const std::string& halt_reason() const;

   private:
    friend class TenantBook;
    explicit View(TenantBook& book) : book_(book) {}
    TenantBook& book_;
  };

  // Runs `fn(View&)` under the lock and returns what it returns. `fn` must
  // not block on I/O and must not call back into the book.
  template <typename Fn>
  decltype(auto) WithLock(Fn&& fn) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    View view(*this);
    return std::forward<Fn>(fn)(view);
  }

  // The write protocol, in two halves for appends that answer later.
  //
  // Reserve: under the lock, once none of `keys` is reserved by another
  // write (waiting for them with kWait; giving up at once with kSkipIfBusy,
  // returning false without planning), runs `plan`. When `plan` returns
  // true the keys are reserved for this write and Reserve returns true:
  // the caller appends without the lock, then calls Release with the same
  // keys, exactly once. When `plan` returns false nothing is reserved.
  enum class Wait { kWait, kSkipIfBusy };
  bool Reserve(absl::Span<const std::string> keys, Wait wait,
               absl::FunctionRef<bool(View&)> plan) ABSL_LOCKS_EXCLUDED(mu_);
  // Release: under the lock, runs `settle` (commit, or roll back when the
  // append failed), releases `keys` and wakes the writers waiting for them.
  void Release(absl::Span<const std::string> keys,
               absl::FunctionRef<void(View&)> settle) ABSL_LOCKS_EXCLUDED(mu_);
  // Both halves around a synchronous `append`: Reserve(keys, kWait, plan),
  // then, when planned, append() without the lock and Release(keys,
  // settle). Returns whether it planned to write.
  bool Write(absl::Span<const std::string> keys,
             absl::FunctionRef<bool(View&)> plan,
             absl::FunctionRef<void()> append,
             absl::FunctionRef<void(View&)> settle) ABSL_LOCKS_EXCLUDED(mu_);

  // The tenant's own halt: its reason, or nullopt when not halted.
  std::optional<std::string> HaltReason() const ABSL_LOCKS_EXCLUDED(mu_);
  bool Halted() const ABSL_LOCKS_EXCLUDED(mu_);
  // Halts (with `reason`) or resumes the tenant.
  void SetHalt(bool halted, std::string reason) ABSL_LOCKS_EXCLUDED(mu_);

  // A copy of the limit counters.
  UsageCounters Usage() const ABSL_LOCKS_EXCLUDED(mu_);
  size_t PendingCount() const ABSL_LOCKS_EXCLUDED(mu_);
  // Every open request (recorded or not), oldest first.
  std::vector<DecisionState> OpenRequests() const ABSL_LOCKS_EXCLUDED(mu_);

  // Registers `listener` for queue events and returns the recorded open
  // requests, read under the same lock (see ApprovalDesk::Subscribe).
  std::vector<DecisionState> Subscribe(QueueListener* listener)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Unsubscribe(QueueListener* listener) ABSL_LOCKS_EXCLUDED(mu_);
  size_t Listeners() const ABSL_LOCKS_EXCLUDED(mu_);

  // For a watcher: the recorded open requests and, read under the same
  // lock, the cursor from which its events follow.
  std::vector<DecisionState> WatchFrom(uint64_t& cursor)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Waits for events after `cursor` (checking `cancelled`, under the lock,
  // at least every `poll`) and returns them, moving `cursor` past them; a
  // watcher too far behind gets the recorded open requests as kAdded
  // instead. nullopt once `cancelled` is true.
  std::optional<std::vector<QueueEvent>> EventsAfter(
      uint64_t& cursor, absl::FunctionRef<bool()> cancelled,
      absl::Duration poll) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  bool AnyBusy(absl::Span<const std::string> keys) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<DecisionState> RecordedQueueLocked() const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  // Signalled on every change to `pending_`, `busy_` or `events_`.
  absl::CondVar changed_;

  UsageCounters usage_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, DecisionState> pending_ ABSL_GUARDED_BY(mu_);
  // Requests in `pending_` whose ledger write is still in flight: their
  // ADDED event is published once recorded, so a watcher's first listing
  // leaves them out (else it would see them ADDED twice).
  absl::flat_hash_set<std::string> unrecorded_ ABSL_GUARDED_BY(mu_);
  // Keys reserved by writes in flight.
  absl::flat_hash_set<std::string> busy_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, IdempotencyRecord> idempotency_
      ABSL_GUARDED_BY(mu_);
  // Standing approvals by id, until their window ends (also when revoked
  // or used up: an id is never granted twice while its statement is
  // valid).
  std::map<std::string, StandingState> standing_ ABSL_GUARDED_BY(mu_);
  bool halted_ ABSL_GUARDED_BY(mu_) = false;
  std::string halt_reason_ ABSL_GUARDED_BY(mu_);

  std::deque<QueueEvent> events_ ABSL_GUARDED_BY(mu_);
  uint64_t next_event_ ABSL_GUARDED_BY(mu_) = 0;  // number of events ever
  // Watchers told of each event as it is published (WatchPending streams).
  absl::flat_hash_set<QueueListener*> listeners_ ABSL_GUARDED_BY(mu_);
};

// Owns every tenant's book, created on first use, plus the whole-gate
// kill switch.
class TenantRegistry {
 public:
  // The book of `tenant`; stable for the registry's lifetime.
  TenantBook& Get(absl::string_view tenant) ABSL_LOCKS_EXCLUDED(mu_);

  // Every tenant with a book, sorted.
  std::vector<std::string> Names() const ABSL_LOCKS_EXCLUDED(mu_);

  void SetGateHalt(bool halted, std::string reason) ABSL_LOCKS_EXCLUDED(mu_);
  // Whether the whole gate is halted, and why.
  bool GateHalted(std::string* reason = nullptr) const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<TenantBook>> tenants_
      ABSL_GUARDED_BY(mu_);
  bool gate_halted_ ABSL_GUARDED_BY(mu_) = false;
  std::string gate_halt_reason_ ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::gate::gate_internal

namespace portcullis::gate {
// The gate core's own classes (gate/internal/ and the collaborators
// gate/gate.h composes) name these unqualified.
using gate_internal::TenantBook;
using gate_internal::TenantRegistry;
}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_INTERNAL_TENANT_BOOK_H_
