// Where the stores of shared_state/ find their Redis, and how they reach
// it: the address, the key prefix, AUTH, the timeouts and, optionally, TLS.
// Plain values; the stores check them when they are created.
#ifndef PORTCULLIS_SHARED_STATE_REDIS_OPTIONS_H_
#define PORTCULLIS_SHARED_STATE_REDIS_OPTIONS_H_

#include <optional>
#include <string>

#include "absl/time/time.h"

namespace portcullis::shared_state {

// TLS to Redis (OpenSSL, TLS 1.2 or later; 1.3 when the server speaks it).
// The server's certificate chain is always verified against `ca_file`, and
// its name against `server_name`: there is no way to skip either.
struct RedisTlsOptions {
  // PEM file of the CA certificate(s) that sign the server's certificate;
  // only these are trusted (not the system's). Required.
  std::string ca_file;
  // The name the server's certificate must carry (a DNS name, sent as SNI,
  // or an IP address); empty: the host of the address.
  std::string server_name;
  // Both or neither: a PEM certificate (chain) and its private key, for a
  // Redis that requires client certificates (tls-auth-clients yes). The
  // key may not be encrypted.
  std::string cert_file;
  std::string key_file;
};

struct RedisCounterStoreOptions {
  // "host:port" or "[v6 address]:port".
  std::string address = "127.0.0.1:6379";
  // Put before every key (counter_keys.h), so several deployments can
  // share one Redis.
  std::string key_prefix = "portcullis:";
  // AUTH after connecting, when `password` is set: as `username` (a Redis
  // 6+ ACL user), or the default user when it is empty. Never logged.
  std::string username;
  std::string password;
  absl::Duration connect_timeout = absl::Seconds(1);
  absl::Duration command_timeout = absl::Seconds(1);
  // RedisCounterStore only: after a connect or a command fails (no answer,
  // a timeout, a refused AUTH), calls within this window fail at once
  // with Unavailable instead of waiting the timeouts again under the
  // tenant's lock; the first call after it tries Redis (one at a time:
  // the others keep failing at once meanwhile). Zero: every call tries.
  // See docs/shared-state.md.
  absl::Duration down_window = absl::Milliseconds(500);
  // Unset: plain TCP. Set: TLS, its files read when the store is created.
  std::optional<RedisTlsOptions> tls;
};

}  // namespace portcullis::shared_state

#endif  // PORTCULLIS_SHARED_STATE_REDIS_OPTIONS_H_
