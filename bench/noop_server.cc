// portcullis_noop_server: a gRPC server whose one method does nothing: the
// floor that portcullis_loadgen measures the gate against, over the same
// transport, in the same run.
//
//   portcullis_noop_server [--listen 127.0.0.1:0] [--unix /tmp/noop.sock]
//
// Prints "listening on 127.0.0.1:PORT" (and "listening on unix:/path") once
// it serves; SIGTERM or SIGINT stops it. Server settings follow the gate's
// (server/server.cc) where they change the cost of a call: a synchronous
// service on gRPC's default thread pool, the same message size limit.
#include <grpcpp/grpcpp.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "portcullis/bench/noop.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "TCP address host:port; port 0 picks a free one.");
ABSL_FLAG(std::string, unix, "",
          "Also listen on this Unix socket path (replaced if it exists).");

namespace portcullis::bench {
namespace {

// The gate's default limits.maxRequestBytes.
constexpr int kMaxRequestBytes = 1 << 20;
// The gate's idle gRPC threads (kMaxIdleGrpcThreads in server/server.h).
constexpr int kMaxIdleThreads = 64;

class NoopService final : public Noop::Service {
  grpc::Status Call(grpc::ServerContext*, const Ping*, Ping*) override {
    return grpc::Status::OK;
  }
};

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "a gRPC server that does nothing: the floor for portcullis_loadgen.\n"
      "  portcullis_noop_server [--listen 127.0.0.1:0] [--unix /path]");
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    std::cerr << "portcullis_noop_server: unexpected argument " << positional[1]
              << "\n";
    return 2;
  }
  // Only sigwait() below sees these, whichever thread gRPC starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string tcp = absl::GetFlag(FLAGS_listen);
  const std::string unix_path = absl::GetFlag(FLAGS_unix);
  NoopService service;
  grpc::ServerBuilder builder;
  builder.SetMaxReceiveMessageSize(kMaxRequestBytes);
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, kMaxIdleThreads);
  builder.RegisterService(&service);
  int port = 0;
  builder.AddListeningPort(tcp, grpc::InsecureServerCredentials(), &port);
  if (!unix_path.empty()) {
    ::unlink(unix_path.c_str());  // A socket left by a killed run.
    builder.AddListeningPort(absl::StrCat("unix:", unix_path),
                             grpc::InsecureServerCredentials());
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "portcullis_noop_server: cannot listen on " << tcp
              << (unix_path.empty() ? "" : " or unix:") << unix_path << "\n";
    return 1;
  }
  // The address as given, with the port that was bound.
  std::cout << "listening on " << tcp.substr(0, tcp.rfind(':')) << ":" << port
            << "\n";
  if (!unix_path.empty())
    std::cout << "listening on unix:" << unix_path << "\n";
  std::cout << std::flush;

  int signal = 0;
  while (sigwait(&signals, &signal) != 0) {
  }
  server->Shutdown();
  return 0;
}

}  // namespace
}  // namespace portcullis::bench

int main(int argc, char** argv) { return portcullis::bench::Main(argc, argv); }
