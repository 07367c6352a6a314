// End-to-end decision latency through gRPC, against the no-op gRPC floor.
//
//   build/bench/gate_bench --benchmark_min_time=2
//
// BM_NoopFloor is a unary call to a service that does nothing, on the same
// kind of server; BM_Evaluate is a full Evaluate (validation, policy,
// ledger append with group commit) on a real daemon with a real RocksDB in
// a temporary directory. Compare the two in one run: the machines are
// shared and noisy, ratios travel better than absolute times.
//
// BM_EvaluateLimited (issue 20, item 6) decides an action that a rate
// limit counts, on the same kind of daemon (shared:0) and on a second one
// whose limits are shared through Redis (shared:1, sharedState.redis on a
// redis-server the benchmark starts on loopback): the difference is what
// sharing a limit costs per decision, one Redis round trip.
#include <benchmark/benchmark.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "base/clock.h"
#include "config/config_loader.h"
#include "daemon/daemon.h"
#include "daemon/logger.h"
#include "identity/token.h"
#include "portcullis/bench/noop.grpc.pb.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "server/server.h"
#include "tests/testing/redis_server.h"

namespace portcullis::bench {
namespace {

constexpr char kPolicy[] = R"(
policy "bench" version "1"
tenant "shop" {
  timezone "Asia/Riyadh"
  rule low-confidence "unsure proposals go to a person"
    approve by owner expires 4h
    when context.confidence < 0.8
  tool create_coupon {
    class write
    arg customer_id: string
    arg value: money(SAR)
    rule coupon-cap "coupons are capped at 50 SAR"
      deny when args.value > 50 SAR
    rule coupons "coupons within the cap are fine"
      allow
  }
  tool create_voucher {
    class write
    arg customer_id: string
    rule voucher-rate "vouchers are counted"
      limit 100000000 per 1h
    rule vouchers "vouchers are fine"
      allow
  }
}
)";

class NoopService final : public Noop::Service {
  grpc::Status Call(grpc::ServerContext*, const Ping* request,
                    Ping* response) override {
    return grpc::Status::OK;
  }
};

// One daemon and one no-op server for the whole run.
class Servers {
 public:
  static Servers& Get() {
    if (instance_ == nullptr) instance_ = new Servers();
    return *instance_;
  }

  // Stops the servers and removes the temporary ledger.
  static void Destroy() {
    delete instance_;
    instance_ = nullptr;
  }

  ~Servers() {
    daemon_.reset();
    shared_daemon_.reset();
    noop_server_->Shutdown();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  v1::Gate::Stub& gate() { return *gate_stub_; }
  // The daemon whose limits are shared through Redis.
  v1::Gate::Stub& shared_gate() { return *shared_stub_; }
  const std::string& token() const { return token_; }
  Noop::Stub& noop() { return *noop_stub_; }

 private:
  Servers() {
    dir_ = std::filesystem::temp_directory_path() /
           ("portcullis-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "bench.policy") << kPolicy;
    daemon_ = StartDaemon("gate.yaml", "data", "");
    gate_stub_ = StubOf(*daemon_);
    if (!redis_.ready()) {
      std::fprintf(stderr, "gate_bench: redis-server did not start\n%s",
                   redis_.log().c_str());
      std::abort();
    }
    shared_daemon_ = StartDaemon(
        "shared.yaml", "data-shared",
        "sharedState:\n  redis:\n    address: " + redis_.address() + "\n");
    shared_stub_ = StubOf(*shared_daemon_);

    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&noop_service_);
    builder.SetSyncServerOption(
        grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
        server::kMaxIdleGrpcThreads);
    noop_server_ = builder.BuildAndStart();
    noop_stub_ =
        Noop::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                          grpc::InsecureChannelCredentials()));
  }

  // A daemon on the bench policy with its own data directory; `extra` is
  // appended to its configuration.
  std::unique_ptr<daemon::Daemon> StartDaemon(const std::string& file,
                                              const std::string& data,
                                              const std::string& extra) {
    std::ofstream(dir_ / file)
        << "principals:\n  - name: bench\n    roles: [agent]\n"
           "    agents: [bench-agent]\n"
           "    tenants: [shop]\n    tokenHashes: ['"
        << identity::TokenHash(token_) << "']\n"
        << "policy: bench.policy\ndataDir: " << data
        << "\nlisten:\n"
           "  tcpAddress: 127.0.0.1:0\n  disableUnixSocket: true\n"
        << extra;
    auto config = config::LoadConfigFile((dir_ / file).string());
    if (!config.ok()) std::abort();
    auto daemon = daemon::Daemon::Start(*config, clock_, log_);
    if (!daemon.ok()) std::abort();
    return *std::move(daemon);
  }

  static std::unique_ptr<v1::Gate::Stub> StubOf(daemon::Daemon& daemon) {
    return v1::Gate::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(daemon.tcp_port()),
                            grpc::InsecureChannelCredentials()));
  }

  static inline Servers* instance_ = nullptr;

  std::filesystem::path dir_;
  const std::string token_ = identity::NewToken();
  RealClock clock_;
  std::ostringstream log_text_;
  daemon::Logger log_{clock_, log_text_};
  std::unique_ptr<daemon::Daemon> daemon_;
  std::unique_ptr<v1::Gate::Stub> gate_stub_;
  // Outlives the daemon that shares its limits through it.
  testing::RedisServer redis_;
  std::unique_ptr<daemon::Daemon> shared_daemon_;
  std::unique_ptr<v1::Gate::Stub> shared_stub_;
  NoopService noop_service_;
  std::unique_ptr<grpc::Server> noop_server_;
  std::unique_ptr<Noop::Stub> noop_stub_;
};

v1::EvaluateRequest CouponRequest(const char* amount) {
  v1::EvaluateRequest request;
  v1::Action* a = request.mutable_action();
  a->set_tenant("shop");
  a->set_agent("bench-agent");
  a->set_tool("create_coupon");
  (*a->mutable_arguments())["customer_id"].set_string_value("c-77");
  auto* money = (*a->mutable_arguments())["value"].mutable_money_value();
  money->set_amount(amount);
  money->set_currency("SAR");
  a->mutable_context()->set_request_id("bench-request");
  a->mutable_context()->set_confidence(0.95);
  return request;
}

void BM_NoopFloor(benchmark::State& state) {
  Noop::Stub& stub = Servers::Get().noop();
  Ping ping;
  ping.set_payload(CouponRequest("10.00").SerializeAsString());
  for (auto _ : state) {
    grpc::ClientContext context;
    Ping pong;
    if (!stub.Call(&context, ping, &pong).ok()) {
      state.SkipWithError("no-op call failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Evaluate(benchmark::State& state) {
  v1::Gate::Stub& stub = Servers::Get().gate();
  const std::string auth = "Bearer " + Servers::Get().token();
  // Alternate an allowed and a denied coupon: both are recorded.
  const v1::EvaluateRequest requests[] = {CouponRequest("10.00"),
                                          CouponRequest("75.00")};
  size_t i = 0;
  for (auto _ : state) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", auth);
    v1::EvaluateResponse response;
    if (!stub.Evaluate(&context, requests[i++ % 2], &response).ok()) {
      state.SkipWithError("Evaluate failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

v1::EvaluateRequest VoucherRequest() {
  v1::EvaluateRequest request;
  v1::Action* a = request.mutable_action();
  a->set_tenant("shop");
  a->set_agent("bench-agent");
  a->set_tool("create_voucher");
  (*a->mutable_arguments())["customer_id"].set_string_value("c-77");
  a->mutable_context()->set_request_id("bench-request");
  a->mutable_context()->set_confidence(0.95);
  return request;
}

// An allowed action that a rate limit counts: charged in the gate's own
// counters (shared:0), or in Redis too (shared:1).
void BM_EvaluateLimited(benchmark::State& state) {
  v1::Gate::Stub& stub = state.range(0) == 0 ? Servers::Get().gate()
                                             : Servers::Get().shared_gate();
  const std::string auth = "Bearer " + Servers::Get().token();
  const v1::EvaluateRequest request = VoucherRequest();
  for (auto _ : state) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", auth);
    v1::EvaluateResponse response;
    grpc::Status status = stub.Evaluate(&context, request, &response);
    if (!status.ok() || response.decision().outcome() != v1::OUTCOME_ALLOW) {
      std::fprintf(stderr, "gate_bench: %s %s\n",
                   status.error_message().c_str(),
                   response.decision().ShortDebugString().c_str());
      state.SkipWithError("Evaluate failed or did not allow");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_NoopFloor)->UseRealTime()->ThreadRange(1, 16);
BENCHMARK(BM_Evaluate)->UseRealTime()->ThreadRange(1, 16);
BENCHMARK(BM_EvaluateLimited)
    ->ArgName("shared")
    ->Arg(0)
    ->Arg(1)
    ->UseRealTime()
    ->Threads(1)
    ->Threads(16);

}  // namespace
}  // namespace portcullis::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  portcullis::bench::Servers::Destroy();
  return 0;
}
