// RedisApprovalExchange shares the replicas' approval queues through Redis
// (issue 20, gate/approval_exchange.h).
//
// Layout (every part validated before it is assembled):
//   <prefix>{<tenant>}:p:<replica>   a hash: decision id -> listing, what
//                                    the replica holds; expires unless
//                                    published again
//   <prefix>{<tenant>}:holders       a set of the replicas that list some
//   <prefix>{:relay}:in:<replica>    a list: calls relayed to the replica,
//                                    each "<call id> <bytes>"
//   <prefix>{:relay}:a:<call id>     an answer, until taken or expired
// A publication is one Lua script (replace the hash, refresh its expiry,
// keep the holders set), a listing another (every other holder's hash,
// dropping holders whose hash expired). Receive is LPOP with a count and
// TakeAnswer GETDEL, so each call and each answer is taken once.
//
// Thread-safe: calls share one connection behind a mutex. TLS when
// options.tls is set, AUTH when a password is given (redis_options.h).
#ifndef PORTCULLIS_SHARED_STATE_REDIS_APPROVAL_EXCHANGE_H_
#define PORTCULLIS_SHARED_STATE_REDIS_APPROVAL_EXCHANGE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gate/approval_exchange.h"
#include "shared_state/redis_counter_store.h"

namespace portcullis::shared_state {

namespace shared_state_internal {
class RedisConnection;
}  // namespace shared_state_internal

// The most bytes one listing, and one relayed call or answer, may hold.
inline constexpr size_t kMaxRelayedBytes = 1 << 20;

class RedisApprovalExchange final : public gate::ApprovalExchange {
 public:
  // Checks `options` and `replica` (this replica's name; InvalidArgument
  // as for RedisCounterStore::Create); does not connect: the first call
  // does.
  static absl::StatusOr<std::unique_ptr<RedisApprovalExchange>> Create(
      RedisCounterStoreOptions options, std::string replica);
  ~RedisApprovalExchange() override;

  // gate::ApprovalExchange. Each validates tenant ids, decision ids,
  // replica names and call ids before sending anything (InvalidArgument),
  // and refuses bytes over kMaxRelayedBytes; Unavailable when Redis cannot
  // be reached.
  absl::Status Publish(absl::string_view tenant,
                       const std::map<std::string, std::string>& pending,
                       absl::Duration ttl) override;
  absl::StatusOr<std::vector<gate::SharedPending>> ListOthers(
      absl::string_view tenant) override;
  absl::Status Send(absl::string_view replica, const gate::RelayedCall& call,
                    absl::Duration ttl) override;
  absl::StatusOr<std::vector<gate::RelayedCall>> Receive(size_t max) override;
  absl::Status Answer(const gate::RelayedCall& answer,
                      absl::Duration ttl) override;
  absl::StatusOr<std::optional<std::string>> TakeAnswer(
      absl::string_view id) override;

 private:
  RedisApprovalExchange(
      RedisCounterStoreOptions options, std::string replica,
      std::unique_ptr<shared_state_internal::RedisConnection> connection);

  const RedisCounterStoreOptions options_;
  const std::string replica_;
  absl::Mutex mu_;
  std::unique_ptr<shared_state_internal::RedisConnection> connection_
      ABSL_GUARDED_BY(mu_);
  std::string publish_sha_ ABSL_GUARDED_BY(mu_);
  std::string list_sha_ ABSL_GUARDED_BY(mu_);
  std::string send_sha_ ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::shared_state

#endif  // PORTCULLIS_SHARED_STATE_REDIS_APPROVAL_EXCHANGE_H_
