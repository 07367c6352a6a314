// RedisCounterStore keeps limit counters in Redis, so that every replica of
// an agent's gate charges the same counters (issue 20). Each counter is a
// sorted set of events (score: the event's time in microseconds; member:
// the batch id, the charge's index and its amount) and a running sum of
// their amounts; a Lua script checks and charges a whole batch atomically
// in one round trip, with exact decimal arithmetic
// (shared_state/internal/charge_scripts.cc). Key layout and validation:
// shared_state/counter_keys.h; the design: docs/shared-state.md.
//
// Thread-safe: calls share one connection behind a mutex, so they are
// serialised. A call is one round trip (EVALSHA), plus SCRIPT LOAD once
// per store and EVAL when a restarted server has lost the script; no
// connect waits longer than the connect timeout, no command longer than
// the command timeout. When a
// connection left open by an earlier call was closed by the server, the
// call is sent once more on a new one: safe, because charging or refunding
// a batch twice changes nothing. When Redis cannot be reached every call
// returns Unavailable. For options.down_window after such a failure, calls
// fail at once without trying Redis or waiting for the connection; the
// first call after it connects again (one at a time: the others keep
// failing at once while it waits), so while Redis is away (a blackhole, a
// hung server) a tenant's limited decisions are denied at once rather
// than each waiting the timeouts under the tenant's lock.
//
// TLS when options.tls is set (OpenSSL: shared_state/internal/
// tls_transport.h); AUTH when a password is given.
#ifndef PORTCULLIS_SHARED_STATE_REDIS_COUNTER_STORE_H_
#define PORTCULLIS_SHARED_STATE_REDIS_COUNTER_STORE_H_

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "gate/counter_store.h"
#include "shared_state/redis_options.h"

namespace portcullis::shared_state {

namespace shared_state_internal {
class DownWindow;
class RedisConnection;
struct RedisReply;
}  // namespace shared_state_internal

class RedisCounterStore final : public gate::CounterStore {
 public:
  // Checks `options` (InvalidArgument when the address or the key prefix
  // is malformed, the down window negative, or a TLS file cannot be
  // used); does not connect: the first call does. The down window is
  // timed on `clock` (null: the system's, which the daemon uses: the
  // window, like the timeouts, is real time spent waiting).
  static absl::StatusOr<std::unique_ptr<RedisCounterStore>> Create(
      RedisCounterStoreOptions options, const Clock* clock = nullptr);
  ~RedisCounterStore() override;

  // gate::CounterStore. Both validate the whole batch before sending
  // anything: InvalidArgument for a tenant id, counter or batch id outside
  // its alphabet, a window that is not positive, a negative ceiling, or a
  // time or window too large for an exact score. Unavailable when Redis
  // cannot be reached, times out or answers with an error; a Charge that
  // timed out may still have been applied (it then counts against the
  // limit until its window ends: failing closed). Within the down window
  // Charge fails at once and sends nothing (nothing is owed for it);
  // Refund sends nothing and is owed (it takes the connection's lock to
  // record that, so it may wait behind a probe: refunds are rare).
  absl::StatusOr<gate::ChargeOutcome> Charge(
      const gate::ChargeBatch& batch) override;
  absl::Status Refund(const gate::ChargeBatch& batch) override;

  // OK when Redis answers PING and every refund owed (below) is settled;
  // Unavailable otherwise. For readiness, called often: it is also what
  // settles owed refunds soon after Redis returns. Fails at once within
  // the down window.
  absl::Status Ping();

  // Refunds owed: batches whose charge got no answer (it may still run
  // once Redis reads it) or whose refund failed. Each is refunded, and its
  // batch given up so that a late charge changes nothing, before any other
  // call once Redis answers again: across an outage no charge counts that
  // the gate did not see confirmed. At most kMaxOwedRefunds are kept (the
  // oldest is forgotten first: its late charge, if any, then counts until
  // its window ends, which only refuses more).
  static constexpr size_t kMaxOwedRefunds = 4096;
  size_t owed_refunds();

 private:
  RedisCounterStore(
      RedisCounterStoreOptions options,
      std::unique_ptr<shared_state_internal::RedisConnection> connection);

  // Records `batch` as owed a refund.
  void Owe(const gate::ChargeBatch& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sends every owed refund, oldest first; stops at the first failure.
  absl::Status SettleOwed() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status RefundLocked(const gate::ChargeBatch& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RedisCounterStoreOptions options_;
  // The connection's: checked before queueing for mu_, so that no call
  // waits behind a probe of a Redis that is away.
  const std::shared_ptr<shared_state_internal::DownWindow> down_;
  absl::Mutex mu_;
  std::unique_ptr<shared_state_internal::RedisConnection> connection_
      ABSL_GUARDED_BY(mu_);
  std::string charge_sha_ ABSL_GUARDED_BY(mu_);
  std::string refund_sha_ ABSL_GUARDED_BY(mu_);
  std::deque<gate::ChargeBatch> owed_ ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::shared_state

#endif  // PORTCULLIS_SHARED_STATE_REDIS_COUNTER_STORE_H_
