// End-to-end decision latency through gRPC, against the no-op gRPC floor.
//
//   build/bench/gate_bench --benchmark_min_time=2
//
// BM_NoopFloor is a unary call to a service that does nothing, on the same
// kind of server; BM_Evaluate is a full Evaluate (validation, policy,
// ledger append with group commit) on a real daemon with a real RocksDB in
// a temporary directory. Compare the two in one run: the machines are
// shared and noisy, ratios travel better than absolute times.
#include <benchmark/benchmark.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
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
    noop_server_->Shutdown();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  v1::Gate::Stub& gate() { return *gate_stub_; }
  const std::string& token() const { return token_; }
  Noop::Stub& noop() { return *noop_stub_; }

 private:
  Servers() {
    dir_ = std::filesystem::temp_directory_path() /
           ("portcullis-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "bench.policy") << kPolicy;
    std::ofstream(dir_ / "gate.yaml")
        << "principals:\n  - name: bench\n    roles: [agent]\n"
           "    tenants: [shop]\n    tokenHashes: ['"
        << server::TokenHash(token_) << "']\n"
        << "policy: bench.policy\ndataDir: data\nlisten:\n"
           "  tcpAddress: 127.0.0.1:0\n  disableUnixSocket: true\n";
    auto config = server::LoadConfigFile((dir_ / "gate.yaml").string());
    if (!config.ok()) std::abort();
    auto daemon = server::Daemon::Start(*config, clock_, log_);
    if (!daemon.ok()) std::abort();
    daemon_ = std::move(*daemon);
    gate_stub_ = v1::Gate::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(daemon_->tcp_port()),
                            grpc::InsecureChannelCredentials()));

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

  static inline Servers* instance_ = nullptr;

  std::filesystem::path dir_;
  const std::string token_ = server::NewToken();
  RealClock clock_;
  std::ostringstream log_text_;
  server::Logger log_{clock_, log_text_};
  std::unique_ptr<server::Daemon> daemon_;
  std::unique_ptr<v1::Gate::Stub> gate_stub_;
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

BENCHMARK(BM_NoopFloor)->UseRealTime()->ThreadRange(1, 16);
BENCHMARK(BM_Evaluate)->UseRealTime()->ThreadRange(1, 16);

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
