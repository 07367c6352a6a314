#include "server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "config/listen_address.h"
#include "server/admin_service.h"
#include "server/call_guard.h"
#include "server/calls_in_flight.h"
#include "server/gate_service.h"
#include "server/tls_credentials.h"
#include "server/undecodable_request.h"

namespace portcullis::server {
namespace {

constexpr char kGateServiceName[] = "portcullis.v1.Gate";
constexpr char kAdminServiceName[] = "portcullis.v1.Admin";

// gRPC deadlines are wall-clock instants; this is transport plumbing, not
// domain time, so it does not go through portcullis::Clock.
std::chrono::system_clock::time_point Deadline(absl::Duration d) {
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(
             absl::ToChronoNanoseconds(d));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    gate::Gate& gate, const ServerOptions& options,
    identity::Authenticator& authenticator, AdminHooks hooks) {
  if (options.tcp_address.empty() && options.unix_socket.empty()) {
    return absl::InvalidArgumentError(
        "nothing to listen on: configure a TCP address or a Unix socket");
  }
  std::unique_ptr<Server> server(new Server());
  server->calls_ = std::make_unique<CallsInFlight>();
  server->admission_ = std::make_unique<Admission>(
      options.admission, options.on_admission_refused);
  server->guard_ = std::make_unique<CallGuard>(authenticator, gate);
  server->service_ = std::make_unique<GateService>(
      gate, *server->guard_, options.service, server->admission_.get());
  server->admin_ = std::make_unique<AdminService>(
      gate, *server->guard_, std::move(hooks.reload), hooks.started_at,
      hooks.secrets, hooks.ledger, hooks.activity, options.admin);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.SetMaxReceiveMessageSize(options.max_request_bytes);
  // The Gate and Admin services and health use the callback API; only
  // server reflection (synchronous in gRPC 1.51) is served by the sync
  // server, so it keeps gRPC's default of few idle threads.

  // Bounded threads and transport memory, and calls per connection
  // (issue 15, item 5): past them gRPC refuses calls instead of growing.
  grpc::ResourceQuota quota("portcullis");
  if (options.max_server_threads > 0) {
    quota.SetMaxThreads(options.max_server_threads);
  }
  if (options.memory_quota_bytes > 0) {
    quota.Resize(static_cast<size_t>(options.memory_quota_bytes));
  }
  builder.SetResourceQuota(quota);
  if (options.max_concurrent_streams > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                               options.max_concurrent_streams);
  }
  builder.RegisterService(server->service_.get());
  builder.RegisterService(server->admin_.get());
  // Undecodable requests: INVALID_ARGUMENT with a short message, and
  // nothing logged for a caller not yet identified (issue 15, item 12).
  QuietProtobufParseLogs();
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      std::make_unique<CallsInFlightInterceptorFactory>(*server->calls_));
  interceptors.push_back(
      std::make_unique<UndecodableRequestInterceptorFactory>());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));

  if (!options.tcp_address.empty()) {
    absl::StatusOr<config::ListenAddress> address =
        config::ParseListenAddress(options.tcp_address);
    if (!address.ok()) return address.status();
    if (!address->loopback && !options.tls.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "refusing to listen on non-loopback address ", options.tcp_address,
          " without TLS; configure listen.tls, bind 127.0.0.1 or ::1, or use "
          "the Unix socket"));
    }
    std::shared_ptr<grpc::ServerCredentials> credentials =
        grpc::InsecureServerCredentials();
    if (options.tls.has_value()) {
      absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> tls =
          TlsCredentials(*options.tls);
      if (!tls.ok()) return tls.status();
      credentials = *std::move(tls);
    }
    builder.AddListeningPort(address->ToGrpcTarget(), credentials,
                             &server->tcp_port_);
  }

  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr ||
      (!options.tcp_address.empty() && server->tcp_port_ == 0)) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.tcp_address,
                     ": address in use or not permitted"));
  }
  if (!options.unix_socket.empty()) {
    absl::StatusOr<std::unique_ptr<UnixListener>> unix_listener =
        UnixListener::Start(options.unix_socket, server->server_.get());
    if (!unix_listener.ok()) {
      server->Shutdown(absl::ZeroDuration());
      return unix_listener.status();
    }
    server->unix_listener_ = *std::move(unix_listener);
    server->guard_->SetUnixListener(server->unix_listener_.get());
  }
  {
    absl::MutexLock lock(&server->mu_);
    server->serving_ = true;
  }
  grpc::HealthCheckServiceInterface* health =
      server->server_->GetHealthCheckService();
  health->SetServingStatus(true);
  health->SetServingStatus(kGateServiceName, true);
  health->SetServingStatus(kAdminServiceName, true);
  return server;
}

Server::~Server() { Shutdown(absl::ZeroDuration()); }

bool Server::serving() const {
  absl::MutexLock lock(&mu_);
  return serving_;
}

void Server::SetReady(bool ready) {
  absl::MutexLock lock(&mu_);
  if (shut_down_ || server_ == nullptr) return;
  serving_ = ready;
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus(ready);
  health->SetServingStatus(kGateServiceName, ready);
}

void Server::Shutdown(absl::Duration grace) {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
    serving_ = false;
  }
  if (server_ == nullptr) return;
  // Tell load balancers and probes first, then drain.
  server_->GetHealthCheckService()->SetServingStatus(false);
  // New connections stop first; calls in flight then get their grace.
  if (unix_listener_ != nullptr) unix_listener_->Stop();
  // Wait for the short calls ourselves: gRPC's Shutdown(deadline) waited for
  // the whole deadline whenever a client held an idle connection open
  // (issue 15, item 13). Then cancel what remains: long waits and streams.
  calls_->AwaitIdle(grace);
  server_->Shutdown(Deadline(absl::ZeroDuration()));
}

void Server::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace portcullis::server
