// RedisHaltStore shares halts between the replicas of a gate through Redis
// (issue 20, gate/halt_store.h): the replicas' kill switches publish their
// halts and resumes here and read everyone's every 200 ms.
//
// One hash, `<key prefix>{:halts}`, holds each target's last change as the
// fields `<target>/halted`, `/reason`, `/principal`, `/replica`, `/at` and
// `/id`, the target being a tenant id or `*` for the whole gate. (The hash
// tag `{:halts}` cannot be a tenant's: tenant ids have no colon.) A Lua
// script publishes a change atomically, unless the target is already so;
// a read is one HGETALL. Both validate everything before sending anything.
//
// Thread-safe: calls share one connection behind a mutex. TLS when
// options.tls is set, AUTH when a password is given (redis_options.h).
#ifndef PORTCULLIS_SHARED_STATE_REDIS_HALT_STORE_H_
#define PORTCULLIS_SHARED_STATE_REDIS_HALT_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gate/halt_store.h"
#include "shared_state/redis_counter_store.h"

namespace portcullis::shared_state {

namespace shared_state_internal {
class RedisConnection;
}  // namespace shared_state_internal

// The most a shared halt's fields may hold.
inline constexpr size_t kMaxHaltReasonBytes = 1024;
inline constexpr size_t kMaxHaltPrincipalBytes = 256;

// The hash that holds the halts of the replicas sharing `prefix`.
// InvalidArgument when the prefix is malformed.
absl::StatusOr<std::string> KeyOfHalts(absl::string_view prefix);

class RedisHaltStore final : public gate::HaltStore {
 public:
  // Checks `options` (InvalidArgument when the address or the key prefix
  // is malformed, or a TLS file cannot be used); does not connect: the first
  // call does. Uses its own connection, so a slow charge never delays a halt.
  static absl::StatusOr<std::unique_ptr<RedisHaltStore>> Create(
      RedisCounterStoreOptions options);
  ~RedisHaltStore() override;

  // gate::HaltStore. Publish refuses (InvalidArgument, before sending
  // anything) a tenant id outside its alphabet, a reason that is empty or
  // over kMaxHaltReasonBytes, a principal too long or with control
  // characters, a replica name that is not one (base/identifiers.h). A Publish
  // sent again after a lost connection is recognised as the same change (each
  // carries a random id).
  absl::StatusOr<bool> Publish(const gate::SharedHalt& halt) override;
  absl::StatusOr<std::vector<gate::SharedHalt>> Read() override;

 private:
  RedisHaltStore(
      RedisCounterStoreOptions options, std::string key,
      std::unique_ptr<shared_state_internal::RedisConnection> connection);

  const RedisCounterStoreOptions options_;
  const std::string key_;
  absl::Mutex mu_;
  std::unique_ptr<shared_state_internal::RedisConnection> connection_
      ABSL_GUARDED_BY(mu_);
  std::string publish_sha_ ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::shared_state

#endif  // PORTCULLIS_SHARED_STATE_REDIS_HALT_STORE_H_
