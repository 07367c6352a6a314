// One connection to one Redis server, over a RedisTransport: plain TCP
// through hiredis, or TLS (redis_transport.h, tls_transport.h). It
// connects on first use and after any failure, with a connect timeout and
// a per-command timeout, so no call blocks for longer than those;
// authenticates; and runs scripts. Not thread-safe: each store guards its
// own with a mutex.
#ifndef PORTCULLIS_SHARED_STATE_INTERNAL_REDIS_CONNECTION_H_
#define PORTCULLIS_SHARED_STATE_INTERNAL_REDIS_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "shared_state/internal/host_lookup.h"
#include "shared_state/internal/redis_transport.h"
#include "shared_state/internal/tls_transport.h"
#include "shared_state/redis_options.h"

namespace portcullis::shared_state::shared_state_internal {

// Who the connection authenticates as (AUTH), right after it connects.
// No password: no AUTH. No username: Redis's default user.
struct RedisCredentials {
  std::string username;
  std::string password;
};

// Parses "host:port" or "[v6 address]:port". Returns InvalidArgument
// otherwise.
absl::StatusOr<RedisEndpoint> ParseRedisAddress(absl::string_view address);

class RedisConnection;

// Whether Redis failed a moment ago (RedisCounterStoreOptions::
// down_window). After a failed attempt, attempts within `window` of it
// (on `clock`) fail at once; the first after it is the probe, and while
// it runs every other attempt fails at once too. A probe that reaches
// Redis ends the down time; one that fails starts a new window. A clock
// that went back before the failure ends the window (no NTP step can
// keep Redis unused). A zero window is never down. Thread-safe: Check
// may be called without the lock that serialises a connection's calls,
// so that a caller need not queue behind a probe to learn that it would
// fail.
class DownWindow {
 public:
  DownWindow(absl::Duration window, const Clock& clock);

  // OK when an attempt may go to Redis now; Unavailable otherwise, naming
  // the failure that started the window.
  absl::Status Check() const ABSL_LOCKS_EXCLUDED(mu_);
  // As Check; an OK while down makes the caller the probe, which must
  // call End.
  absl::Status Begin() ABSL_LOCKS_EXCLUDED(mu_);
  // After an OK Begin: `result` is the attempt's (OK: Redis answered).
  void End(const absl::Status& result) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Status CheckLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const absl::Duration window_;
  const Clock& clock_;
  mutable absl::Mutex mu_;
  // When the last attempt failed; unset while Redis answers.
  std::optional<absl::Time> failed_at_ ABSL_GUARDED_BY(mu_);
  std::string failure_ ABSL_GUARDED_BY(mu_);
  bool probing_ ABSL_GUARDED_BY(mu_) = false;
};

// A connection to `options.address` (ParseRedisAddress), as
// `options.username`/`password`, over TLS when `options.tls` is set (its
// files read now), not yet connected, after checking that both timeouts
// are positive and `down_window` not negative. InvalidArgument otherwise
// (RedisTlsClient::Create for TLS). Down for `down_window` after a failure
// (DownWindow), timed on `clock` (null: the system's); RedisCounterStore
// passes options.down_window, the halt store and the approval exchange
// zero.
absl::StatusOr<std::unique_ptr<RedisConnection>> NewRedisConnection(
    const RedisCounterStoreOptions& options,
    absl::Duration down_window = absl::ZeroDuration(),
    const Clock* clock = nullptr);

// Unavailable describing `reply`: the first 80 bytes of an error reply, or
// "unexpected reply" for any other.
absl::Status ErrorReply(const RedisReply& reply);

// Runs a Lua script on `connection` by its SHA1 (learnt with SCRIPT LOAD on
// first use and kept in `sha`), and by its text when the server has lost it
// (NOSCRIPT after a restart). An error reply is Unavailable.
absl::StatusOr<RedisReply> RunScript(RedisConnection& connection,
                                     absl::string_view script, std::string& sha,
                                     const std::vector<std::string>& keys,
                                     const std::vector<std::string>& args);

class RedisConnection {
 public:
  // Plain TCP when `tls` is null. Never down when `down` is null. The
  // host is resolved with `lookup` (host_lookup.h), within the connect
  // timeout like the rest of connecting.
  RedisConnection(RedisEndpoint endpoint, RedisCredentials credentials,
                  absl::Duration connect_timeout,
                  absl::Duration command_timeout,
                  std::unique_ptr<const RedisTlsClient> tls = nullptr,
                  std::shared_ptr<DownWindow> down = nullptr,
                  HostLookup lookup = &::getaddrinfo);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends one command (connecting first when not connected) and returns its
  // reply; an error reply is a reply of type kError, not a Status. Returns
  // Unavailable when the server cannot be reached, the connection fails or
  // the reply does not come within the command timeout; the connection is
  // then dropped and the next call connects again. A command that timed
  // out may still have run. When a connection left open by an earlier call
  // turns out to have been closed by the server (it restarted, or dropped
  // an idle client), the command is sent once more on a fresh connection:
  // only idempotent commands may go through Run. SIGPIPE is blocked in the
  // calling thread while it connects and writes. Within the down window
  // after such a failure (DownWindow) it returns Unavailable at once and
  // sends nothing.
  absl::StatusOr<RedisReply> Run(const std::vector<std::string>& args);

  // The connection's down window, for a caller to Check before it queues
  // for the connection. Never null.
  const std::shared_ptr<DownWindow>& down_window() const { return down_; }

 private:
  absl::StatusOr<RedisReply> RunOnce(const std::vector<std::string>& args);
  absl::Status Connect();

  // Sends AUTH on a fresh connection; Unavailable when refused (the
  // message never holds the password).
  absl::Status Authenticate();

  const RedisEndpoint endpoint_;
  const RedisCredentials credentials_;
  const absl::Duration connect_timeout_;
  const absl::Duration command_timeout_;
  const std::unique_ptr<const RedisTlsClient> tls_;  // null: plain TCP
  const std::shared_ptr<DownWindow> down_;           // never null
  const HostLookup lookup_;
  std::unique_ptr<RedisTransport> transport_;  // null when not connected
  // Whether the last RunOnce failed because the server had closed the
  // connection (EOF, reset), rather than by a timeout.
  bool closed_by_server_ = false;
};

}  // namespace portcullis::shared_state::shared_state_internal

#endif  // PORTCULLIS_SHARED_STATE_INTERNAL_REDIS_CONNECTION_H_
