// How a RedisConnection reaches its server: one open connection that sends
// a command and reads its one reply. Two kinds: plain TCP through hiredis's
// own context (ConnectPlain, below), and TLS through OpenSSL, with
// hiredis's command encoder and reply parser (tls_transport.h). Everything
// above the transport (AUTH, reconnecting, scripts) is the connection's,
// the same for both. Not thread-safe.
#ifndef PORTCULLIS_SHARED_STATE_INTERNAL_REDIS_TRANSPORT_H_
#define PORTCULLIS_SHARED_STATE_INTERNAL_REDIS_TRANSPORT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

struct redisReply;  // hiredis

namespace portcullis::shared_state::shared_state_internal {

// A reply, copied out of hiredis's.
struct RedisReply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string text;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<RedisReply> elements;
};

struct RedisEndpoint {
  std::string host;
  int port = 0;
};

class RedisTransport {
 public:
  virtual ~RedisTransport() = default;

  // Sends `args` as one command and returns its reply (an error reply is a
  // reply of type kError). Unavailable when writing or reading fails, the
  // reply is malformed or does not come within the command timeout; the
  // transport is then unusable and is dropped. May raise SIGPIPE: the
  // caller blocks it.
  virtual absl::StatusOr<RedisReply> RoundTrip(
      const std::vector<std::string>& args) = 0;

  // After RoundTrip failed: whether the server had closed the connection
  // (end of file, reset), rather than it timing out or misbehaving.
  virtual bool closed_by_server() const = 0;
};

// Connects to `endpoint` over plain TCP with hiredis, waiting at most
// `connect_timeout`; each RoundTrip waits at most `command_timeout` for
// each read and write. Unavailable naming host:port when it cannot.
absl::StatusOr<std::unique_ptr<RedisTransport>> ConnectPlain(
    const RedisEndpoint& endpoint, absl::Duration connect_timeout,
    absl::Duration command_timeout);

// A copy of a reply as hiredis's parser builds it.
RedisReply CopyReply(const redisReply& in);

}  // namespace portcullis::shared_state::shared_state_internal

#endif  // PORTCULLIS_SHARED_STATE_INTERNAL_REDIS_TRANSPORT_H_
