// Server runs the gRPC endpoints of one gate: the Gate and Admin services,
// the standard grpc.health.v1 health service and server reflection, on a TCP
// address (loopback by default) and a Unix socket. It owns the grpc::Server
// and nothing else; the gate core is injected.
//
// Thread-safe: Shutdown may be called from a signal-handling thread while
// other threads serve.
#ifndef PORTCULLIS_SERVER_SERVER_H_
#define PORTCULLIS_SERVER_SERVER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gate/activity_feed.h"
#include "gate/gate.h"
#include "identity/authenticator.h"
#include "secrets/secret_store.h"
#include "server/admin_service_options.h"
#include "server/admission.h"
#include "server/gate_service_options.h"
#include "server/tls_credentials.h"
#include "server/unix_listener.h"

namespace grpc {
class Server;
}  // namespace grpc

namespace portcullis::server {

class AdminService;
class CallGuard;
class CallsInFlight;
class GateService;

// What the Admin service needs from the process around the server.
struct AdminHooks {
  // Re-reads the policy (SIGHUP's work); Reload answers UNIMPLEMENTED
  // without it.
  std::function<absl::Status()> reload;
  absl::Time started_at;
  // The sealed secret store; the secret RPCs answer UNIMPLEMENTED without
  // it.
  secrets::SecretStore* secrets = nullptr;
  // The ledger, for Admin.ExportLedger, RotatePayloadKey and DeleteTenant;
  // UNIMPLEMENTED without it.
  ledger::Ledger* ledger = nullptr;
  // The ledger's tail, for Admin.TailActivity (issue 18); UNIMPLEMENTED
  // without it. Must outlive the server.
  gate::ActivityFeed* activity = nullptr;
};

// Each call to a synchronous gRPC method holds a gRPC thread until it is
// done. gRPC's sync server keeps at most 2 idle threads by default and ends
// the rest as calls finish, so under steady concurrency it started and
// stopped a thread for most calls (about 2,000 a second at 16 in flight,
// measured with perf). The benchmarks' no-op floors keep this many idle
// threads for reuse instead. The gate's own services no longer use the
// sync server (only server reflection does), so the gate keeps gRPC's
// default.
inline constexpr int kMaxIdleGrpcThreads = 64;

struct ServerOptions {
  // "host:port"; empty to skip TCP. Must be loopback.
  std::string tcp_address = "127.0.0.1:7575";
  // A filesystem path; empty to skip the Unix socket. Its mode is set to
  // 0660 so only the owner and group can connect, and each peer's uid is
  // read from the socket to identify it.
  std::string unix_socket;
  // TLS for the TCP address; required for a non-loopback one.
  std::optional<TlsFiles> tls;
  // Requests larger than this fail with RESOURCE_EXHAUSTED unread.
  int max_request_bytes = 1 << 20;
  // Caps on open waits and streams, the Gate service's worker threads.
  GateServiceOptions service;
  // The cap on Admin calls in flight per principal, the Admin service's
  // worker threads.
  AdminServiceOptions admin;

  // Overload (issue 15, item 5). Evaluate's admission: the decisions in
  // flight and the retry hint of a refusal (server/admission.h).
  AdmissionOptions admission;
  // Called for each call refused by admission (a metric); may be empty.
  Admission::OnRefused on_admission_refused;
  // The most concurrent calls (HTTP/2 streams) on one connection; 0 for
  // gRPC's default (no limit).
  int max_concurrent_streams = 600;
  // gRPC's resource quota: the most threads its synchronous methods (now
  // only server reflection) may hold, and the memory its transport may use; 0
  // for no bound.
  int max_server_threads = 256;
  int64_t memory_quota_bytes = int64_t{64} << 20;
};

class Server {
 public:
  // Builds, binds and starts the server. Every call is admitted by
  // `authenticator`, told each caller's credentials (the bearer token, or
  // the Unix socket peer's uid). Returns
  // InvalidArgument for a bad address, or a non-loopback one without TLS,
  // or unusable TLS files; Unavailable when a port or socket cannot be
  // bound. `gate` and `authenticator` must outlive the server.
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      gate::Gate& gate, const ServerOptions& options,
      identity::Authenticator& authenticator, AdminHooks hooks = {});

  ~Server();

  // The bound TCP port (useful with port 0), or 0 without TCP.
  int tcp_port() const { return tcp_port_; }

  // Evaluate's admission (its calls in flight).
  const Admission& admission() const { return *admission_; }

  // Whether health checks report SERVING.
  bool serving() const ABSL_LOCKS_EXCLUDED(mu_);

  // Readiness: while not ready, health reports NOT_SERVING (so probes and
  // load balancers hold traffic back) but calls are still served — e.g.
  // when the ledger refuses a tenant, the other tenants keep working.
  // No effect after Shutdown.
  void SetReady(bool ready) ABSL_LOCKS_EXCLUDED(mu_);

  // Reports NOT_SERVING, stops accepting connections, lets short calls in
  // flight finish for up to `grace`, then cancels what remains (long waits
  // such as AwaitDecision and streams at once) and returns when the server
  // has stopped. An idle client connection does not hold it up. Idempotent.
  void Shutdown(absl::Duration grace) ABSL_LOCKS_EXCLUDED(mu_);

  // Blocks until the server has shut down.
  void Wait();

 private:
  Server() = default;

  std::unique_ptr<CallsInFlight> calls_;
  std::unique_ptr<Admission> admission_;
  std::unique_ptr<CallGuard> guard_;
  std::unique_ptr<GateService> service_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<grpc::Server> server_;
  int tcp_port_ = 0;
  std::unique_ptr<UnixListener> unix_listener_;

  mutable absl::Mutex mu_;
  bool serving_ ABSL_GUARDED_BY(mu_) = false;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_SERVER_H_
