// OpenCallQuota caps the calls each principal holds open at once: waits
// (AwaitDecision), streams (WatchPending) and Admin calls in flight. Each
// open call holds a Slot, given back when the Slot is destroyed, so every
// way a call ends (answered, timed out, cancelled, refused) releases it.
// Thread-safe.
#ifndef PORTCULLIS_SERVER_OPEN_CALL_QUOTA_H_
#define PORTCULLIS_SERVER_OPEN_CALL_QUOTA_H_

#include <cstddef>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace portcullis::server {

class OpenCallQuota {
 public:
  enum class Kind { kWait, kStream, kAdminCall };

  // One open call's place in the quota; empty when default-built or moved
  // from. Must not outlive the quota.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept { *this = std::move(other); }
    Slot& operator=(Slot&& other) noexcept;
    ~Slot() { Release(); }

   private:
    friend class OpenCallQuota;
    Slot(OpenCallQuota* quota, std::string key)
        : quota_(quota), key_(std::move(key)) {}
    void Release();

    OpenCallQuota* quota_ = nullptr;
    std::string key_;
  };

  // The most waits, streams and Admin calls one principal may hold open.
  OpenCallQuota(size_t max_waits, size_t max_streams,
                size_t max_admin_calls = 0)
      : max_waits_(max_waits),
        max_streams_(max_streams),
        max_admin_calls_(max_admin_calls) {}

  // A slot for one more call of `kind` by `principal`, or ResourceExhausted
  // (naming the limit and the setting that raises it) when the principal
  // already holds the most it may.
  absl::StatusOr<Slot> Acquire(absl::string_view principal, Kind kind)
      ABSL_LOCKS_EXCLUDED(mu_);

  // How many calls of `kind` `principal` holds open.
  size_t open(absl::string_view principal, Kind kind) const
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Release(const std::string& key) ABSL_LOCKS_EXCLUDED(mu_);

  const size_t max_waits_;
  const size_t max_streams_;
  const size_t max_admin_calls_;
  mutable absl::Mutex mu_;
  // "w:", "s:" or "a:" then the principal's name -> open calls.
  absl::flat_hash_map<std::string, size_t> open_ ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_OPEN_CALL_QUOTA_H_
