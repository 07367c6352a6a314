// portcullis_noop_server: a gRPC server whose one method does nothing: the
// floor that portcullis_loadgen measures the gate against, over the same
// transport, in the same run.
//
//   portcullis_noop_server [--listen 127.0.0.1:0] [--unix /tmp/noop.sock]
//                          [--api sync|callback]
//
// Prints "listening on 127.0.0.1:PORT" (and "listening on unix:/path") once
// it serves; SIGTERM or SIGINT stops it. By default the method is a
// synchronous handler on gRPC's thread pool, the cheapest unary call gRPC
// serves: the floor the gate's targets are set against. `--api callback`
// serves it through the callback API, as the gate serves its calls (a
// reactor finished at once), so that what that API costs in gRPC 1.51
// (each completion handed from the polling thread to a callback thread)
// can be told apart from the gate's own work. Otherwise the settings follow
// the gate's (server/server.cc) where they change the cost of a call: 64
// idle threads, the same message size limit.
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
ABSL_FLAG(std::string, api, "sync",
          "sync: a synchronous handler (the floor); callback: the callback "
          "API, as the gate serves its calls.");

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

class CallbackNoopService final : public Noop::CallbackService {
  grpc::ServerUnaryReactor* Call(grpc::CallbackServerContext* context,
                                 const Ping*, Ping*) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
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
  const std::string api = absl::GetFlag(FLAGS_api);
  if (api != "sync" && api != "callback") {
    std::cerr << "portcullis_noop_server: --api is sync or callback\n";
    return 2;
  }
  NoopService sync_service;
  CallbackNoopService callback_service;
  grpc::ServerBuilder builder;
  builder.SetMaxReceiveMessageSize(kMaxRequestBytes);
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, kMaxIdleThreads);
  if (api == "sync") {
    builder.RegisterService(&sync_service);
  } else {
    builder.RegisterService(&callback_service);
  }
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
