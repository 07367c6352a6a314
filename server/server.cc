#include "server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "server/admin_service.h"
#include "server/gate_service.h"
#include "server/listen_address.h"

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
    gate::Gate& gate, const ServerOptions& options, AdminHooks hooks) {
  if (options.tcp_address.empty() && options.unix_socket.empty()) {
    return absl::InvalidArgumentError(
        "nothing to listen on: configure a TCP address or a Unix socket");
  }
  std::unique_ptr<Server> server(new Server());
  server->service_ = std::make_unique<GateService>(gate);
  server->admin_ = std::make_unique<AdminService>(gate, std::move(hooks.reload),
                                                  hooks.started_at);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.SetMaxReceiveMessageSize(options.max_request_bytes);
  builder.RegisterService(server->service_.get());
  builder.RegisterService(server->admin_.get());

  if (!options.tcp_address.empty()) {
    absl::StatusOr<ListenAddress> address =
        ParseListenAddress(options.tcp_address);
    if (!address.ok()) return address.status();
    if (!address->loopback) {
      return absl::InvalidArgumentError(absl::StrCat(
          "refusing to listen on non-loopback address ", options.tcp_address,
          " without TLS; bind 127.0.0.1 or ::1, or use the Unix socket"));
    }
    builder.AddListeningPort(address->ToGrpcTarget(),
                             grpc::InsecureServerCredentials(),
                             &server->tcp_port_);
  }
  if (!options.unix_socket.empty()) {
    server->unix_socket_ = options.unix_socket;
    builder.AddListeningPort(absl::StrCat("unix:", options.unix_socket),
                             grpc::InsecureServerCredentials());
  }

  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr ||
      (!options.tcp_address.empty() && server->tcp_port_ == 0)) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ",
        options.tcp_address.empty() ? "" : options.tcp_address,
        options.tcp_address.empty() || options.unix_socket.empty() ? ""
                                                                   : " and ",
        options.unix_socket.empty() ? "" : "unix:" + options.unix_socket,
        ": address in use or not permitted"));
  }
  if (!server->unix_socket_.empty() &&
      ::chmod(server->unix_socket_.c_str(), 0660) != 0) {
    server->Shutdown(absl::ZeroDuration());
    return absl::UnavailableError(absl::StrCat("cannot set mode 0660 on ",
                                               server->unix_socket_, ": ",
                                               std::strerror(errno)));
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
  server_->Shutdown(Deadline(grace));
  if (!unix_socket_.empty()) ::unlink(unix_socket_.c_str());
}

void Server::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace portcullis::server
