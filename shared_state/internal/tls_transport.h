// TLS to Redis on OpenSSL's libssl: a non-blocking socket this file
// connects, a TLS session over it, and hiredis's own command encoder
// (redisFormatCommandArgv) and reply parser (redisReader) for RESP, so no
// protocol or cryptography is written here. The server's certificate chain
// is verified against the configured CA file only, and its name against
// the configured server name (SNI for a DNS name); TLS 1.2 at least, 1.3
// when the server speaks it. The only file pair that includes OpenSSL's
// TLS headers.
//
// RedisTlsClient reads its files again at each connection it makes (a
// connection is made once and kept; a new one follows a failure), so a CA
// bundle or client certificate renewed in place (a Kubernetes Secret,
// cert-manager) is used without a restart; files that no longer load leave
// the ones in use. Thread-safe; each transport it connects is used by one
// thread at a time.
#ifndef PORTCULLIS_SHARED_STATE_INTERNAL_TLS_TRANSPORT_H_
#define PORTCULLIS_SHARED_STATE_INTERNAL_TLS_TRANSPORT_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "shared_state/internal/redis_transport.h"
#include "shared_state/redis_options.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace portcullis::shared_state::shared_state_internal {

class RedisTlsClient {
 public:
  // Reads the files of `options` (the CA file; the client certificate and
  // key when given) and checks `options.server_name`, which defaults to
  // `default_server_name` (the host of the address). InvalidArgument,
  // naming the file and what is wrong with it (never its content), when a
  // file cannot be read or used: not PEM, a key that does not match its
  // certificate, an encrypted key, a key file that group or others may
  // read.
  static absl::StatusOr<std::unique_ptr<RedisTlsClient>> Create(
      const RedisTlsOptions& options, absl::string_view default_server_name);
  ~RedisTlsClient();
  RedisTlsClient(const RedisTlsClient&) = delete;
  RedisTlsClient& operator=(const RedisTlsClient&) = delete;

  // Reads the files again (keeping the ones in use when they no longer
  // load), then connects to `endpoint` and completes the TLS handshake,
  // both within `connect_timeout`; each RoundTrip of the transport then
  // completes within `command_timeout` (or fails). Unavailable naming
  // host:port when the server cannot be reached, and why the handshake
  // failed when it does (e.g. the server's certificate was refused:
  // another CA, a name that does not match, expired), with why the files
  // read again were not used, if they were not.
  absl::StatusOr<std::unique_ptr<RedisTransport>> Connect(
      const RedisEndpoint& endpoint, absl::Duration connect_timeout,
      absl::Duration command_timeout) const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  RedisTlsClient(const RedisTlsOptions& options, ssl_ctx_st* context,
                 std::string server_name, bool server_name_is_ip);

  // The context to connect with, built from the files read again, or the
  // one in use when they do not load (`problem` then says why). The caller
  // owns the reference returned.
  ssl_ctx_st* Context(absl::Status& problem) const ABSL_LOCKS_EXCLUDED(mu_);

  const RedisTlsOptions options_;
  const std::string server_name_;
  const bool server_name_is_ip_;
  mutable absl::Mutex mu_;
  mutable ssl_ctx_st* context_ ABSL_GUARDED_BY(mu_);  // owned
};

}  // namespace portcullis::shared_state::shared_state_internal

#endif  // PORTCULLIS_SHARED_STATE_INTERNAL_TLS_TRANSPORT_H_
