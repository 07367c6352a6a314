// OperatorServer is the HTTP listener operators and their tools scrape:
// GET /metrics (Prometheus text), GET /healthz (liveness) and GET /readyz
// (readiness, mirroring the gRPC server's grpc.health.v1 status). Anything
// else is 404; oversized or malformed requests get a 4xx from the HTTP
// library and never reach a handler. It translates and delegates: what it
// serves comes from the callbacks it is given.
//
// It listens on loopback unless TLS is configured, answers on a small
// fixed pool of threads, and bounds what it reads (request line, headers,
// body, time). Thread-safe; Stop may be called from any thread.
#ifndef PORTCULLIS_HTTP_OPERATOR_SERVER_H_
#define PORTCULLIS_HTTP_OPERATOR_SERVER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "base/clock.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace portcullis::http {
namespace http_internal {
class RotatingCertificate;
}  // namespace http_internal

struct OperatorServerOptions {
  // Where to listen, as the daemon parsed it: a host without brackets
  // ("127.0.0.1", "::1"), a port (0 picks a free one) and whether the host
  // is a loopback address.
  std::string host = "127.0.0.1";
  int port = 0;
  bool loopback = true;
  // PEM files for HTTPS; both or neither. Required unless `loopback`.
  // Read again at a handshake once `tls_reload_every` has passed on
  // `clock` since they were last read, so that a certificate rotated in
  // place is served to new connections without a restart; files that
  // cannot be read, do not match, or hold a key any user may read keep the
  // pair in use, and `on_tls_reload_failed` (when set) is told why.
  std::string tls_cert_file;
  std::string tls_key_file;
  absl::Duration tls_reload_every = absl::Minutes(1);
  const Clock* clock = nullptr;  // null: the system's; must outlive the server
  std::function<void(const absl::Status&)> on_tls_reload_failed;
};

// A request to the console's JSON API (docs/console.md), as the listener
// hands it on: nothing but what the API needs.
struct ApiRequest {
  // "GET" or "POST".
  std::string method;
  // The path after "/api/v1", e.g. "/tenants/shop/pending".
  std::string path;
  // The Authorization header's value; nullopt when the request has none.
  std::optional<std::string> authorization;
  // The body (JSON), at most OperatorServer::kMaxApiBodyBytes.
  std::string body;
};

// Its answer: an HTTP status and a JSON body, or a stream of Server-Sent
// Events.
struct ApiResponse {
  int status = 200;
  std::string body;
  // When set, the answer is `text/event-stream`: called once, on the
  // listener's thread, after the headers are sent; it writes events with
  // `write` (false once the client has gone, when it must return) and
  // returns when the stream ends. It must end by itself (bounded time).
  std::function<void(const std::function<bool(std::string_view)>& write)>
      stream;
};

// What the listener serves. Each callback must be thread-safe; a null one
// makes its path 404.
struct OperatorHandlers {
  // The body of /metrics, in the Prometheus text exposition format.
  std::function<std::string()> metrics;
  // When set, asked before each /metrics answer with the request's
  // Authorization header (nullopt without one): 200 serves the metrics,
  // 401 or 403 (or any other status) is answered with an empty body
  // instead (observability.metricsAuth).
  std::function<int(const std::optional<std::string>& authorization)>
      metrics_access;
  // Whether the gate is ready for traffic: /readyz answers 200 "SERVING"
  // or 503 "NOT_SERVING". /healthz answers 200 while the process serves.
  std::function<bool()> ready;
  // The console's JSON API: every request under /api/v1/ (console.enabled).
  std::function<ApiResponse(const ApiRequest&)> api;
  // Whether to serve the console's page and assets (embedded in the
  // binary) at / and /console/.
  bool console = false;
};

class OperatorServer {
 public:
  // The Content-Type of /metrics.
  static constexpr char kMetricsContentType[] = "text/plain; version=0.0.4";
  // The largest request body accepted (none is expected).
  static constexpr size_t kMaxBodyBytes = 4096;
  // The largest API request body (a signed approval with its comment).
  static constexpr size_t kMaxApiBodyBytes = 16384;
  // Sent with every console page, asset and API answer: scripts and styles
  // from this origin only, never inline, never in a frame.
  static constexpr char kContentSecurityPolicy[] =
      "default-src 'self'; script-src 'self'; style-src 'self'; "
      "img-src 'self'; connect-src 'self'; object-src 'none'; "
      "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  // Binds and starts serving. Returns InvalidArgument for a non-loopback
  // host without TLS or half a TLS configuration, FailedPrecondition when
  // the TLS files cannot be loaded, PermissionDenied for a TLS key any user
  // may read, Unavailable when the address cannot be bound (in
  // use, not permitted, no such address).
  static absl::StatusOr<std::unique_ptr<OperatorServer>> Start(
      const OperatorServerOptions& options, OperatorHandlers handlers);

  // Stops (see Stop).
  ~OperatorServer();

  // The bound port (useful with port 0).
  int port() const { return port_; }

  // Stops accepting, finishes the requests in flight and returns once the
  // listener's threads have ended. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(stop_mu_);

 private:
  OperatorServer() = default;

  // Declared first: the server's TLS context asks it for the certificate
  // at each handshake until the server is gone.
  std::unique_ptr<http_internal::RotatingCertificate> certificate_;
  std::unique_ptr<httplib::Server> server_;
  OperatorHandlers handlers_;
  int port_ = 0;
  absl::Mutex stop_mu_;
  std::thread listener_ ABSL_GUARDED_BY(stop_mu_);
  absl::Notification listening_ended_;
};

}  // namespace portcullis::http

#endif  // PORTCULLIS_HTTP_OPERATOR_SERVER_H_
