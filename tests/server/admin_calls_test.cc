// The Admin service on gRPC's callback API (issue 15, item 6): its calls
// run off gRPC's threads, and each principal may have a bounded number in
// flight.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "codec/proto_record_codec.h"
#include "config/config_loader.h"
#include "daemon/daemon.h"
#include "ledger/rocksdb_store.h"
#include "portcullis/v1/admin.grpc.pb.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "server/server.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_policy.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_principal.h"

namespace portcullis::server {
namespace {

// A real gRPC server on port 0 over a real RocksDB ledger, whose reload
// hook holds each Reload until the test lets it go.
class AdminCallsFixture {
 public:
  explicit AdminCallsFixture(size_t max_calls) {
    auto store = ledger::RocksDbStore::Open(dir_.Sub("db"), {});
    REQUIRE(store.ok());
    auto ledger = ledger::Ledger::Open(*std::move(store));
    REQUIRE(ledger.ok());
    ledger_ = std::move(*ledger);
    gate_ = std::make_unique<gate::Gate>(clock_, *ledger_, codec_, signing_key_,
                                         gate::ApproverRegistry());
    auto policy = std::make_shared<testing::FakePolicy>();
    policy->Add("shop", "reply_customer");
    auto snapshot = std::make_shared<gate::PolicySnapshot>();
    snapshot->program = policy;
    snapshot->version = "fake-1";
    snapshot->content_hash = std::string(64, 'f');
    REQUIRE(gate_->ApplyPolicy({snapshot, snapshot->content_hash, "test", {}})
                .ok());

    ServerOptions options;
    options.tcp_address = "127.0.0.1:0";
    options.admin.max_calls_per_principal = max_calls;
    options.admin.call_threads = 4;
    std::vector<config::v1::PrincipalConfig> principals = {ops_.Config(),
                                                           other_.Config()};
    authenticator_ = std::make_unique<identity::Authenticator>(
        *identity::PrincipalTable::Create(principals));
    AdminHooks hooks;
    hooks.reload = [this] {
      absl::MutexLock lock(&mu_);
      ++reloading_;
      mu_.Await(absl::Condition(&released_));
      --reloading_;
      return absl::OkStatus();
    };
    hooks.ledger = ledger_.get();
    auto server = Server::Start(*gate_, options, *authenticator_, hooks);
    REQUIRE(server.ok());
    server_ = std::move(*server);
    admin_ = v1::Admin::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->tcp_port()),
                            grpc::InsecureChannelCredentials()));
  }

  ~AdminCallsFixture() { Release(); }

  // Waits until `n` Reload calls are held in the hook.
  void AwaitReloading(int n) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return reloading_ == n;
    };
    mu_.Await(absl::Condition(&reached));
  }

  void Release() {
    absl::MutexLock lock(&mu_);
    released_ = true;
  }

  // A context for `caller` that gives up after a minute, so a call the
  // gate wrongly holds fails the test instead of hanging it.
  static std::unique_ptr<grpc::ClientContext> Context(
      const testing::TestPrincipal& caller) {
    auto context = caller.Context();
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::minutes(1));
    return context;
  }

  // The kinds of tenant "shop"'s entries, in order.
  std::vector<std::string> Kinds() {
    std::vector<std::string> kinds;
    REQUIRE(ledger_
                ->Read("shop", 1, false,
                       [&](const ledger::Entry& e) {
                         kinds.push_back(e.kind);
                         return true;
                       })
                .ok());
    return kinds;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  testing::TestPrincipal ops_{"ops"};
  testing::TestPrincipal other_{"other"};
  std::unique_ptr<identity::Authenticator> authenticator_;
  codec::ProtoRecordCodec codec_;
  crypto::SigningKey signing_key_ = crypto::SigningKey::Generate();
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<gate::Gate> gate_;
  absl::Mutex mu_;
  int reloading_ ABSL_GUARDED_BY(mu_) = 0;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::Admin::Stub> admin_;
};

int Count(const std::vector<std::string>& kinds, const std::string& kind) {
  return static_cast<int>(std::count(kinds.begin(), kinds.end(), kind));
}

TEST_CASE(
    "admin calls beyond a principal's cap are refused and recorded while "
    "another principal is served",
    "[admin_calls]") {
  AdminCallsFixture f(/*max_calls=*/2);
  // Two Reloads of "ops" held in flight, on workers.
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<v1::ReloadResponse> reloaded(2);
  std::vector<grpc::Status> statuses(2);
  absl::BlockingCounter answered(2);
  v1::ReloadRequest reload;
  for (int i = 0; i < 2; ++i) {
    contexts.push_back(f.Context(f.ops_));
    f.admin_->async()->Reload(contexts.back().get(), &reload, &reloaded[i],
                              [&, i](grpc::Status s) {
                                statuses[i] = std::move(s);
                                answered.DecrementCount();
                              });
  }
  f.AwaitReloading(2);

  // A third call of "ops" is refused at once: one naming a tenant is
  // recorded on it, like the guard's refusals.
  const int denied = Count(f.Kinds(), "access.denied");
  {
    v1::HaltRequest halt;
    halt.set_tenant("shop");
    halt.set_reason("incident");
    v1::HaltResponse response;
    grpc::Status s = f.admin_->Halt(f.Context(f.ops_).get(), halt, &response);
    CHECK(s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
    CHECK(s.error_message().find("2 Admin calls in flight") !=
          std::string::npos);
    CHECK(s.error_message().find("maxAdminCallsPerPrincipal") !=
          std::string::npos);
  }
  CHECK(Count(f.Kinds(), "access.denied") == denied + 1);
  CHECK_FALSE(f.gate_->Status().tenants[0].halted.has_value());
  {
    v1::StatusResponse response;
    CHECK(f.admin_
              ->Status(f.Context(f.ops_).get(), v1::StatusRequest(), &response)
              .error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  }

  // Another principal has a cap of its own, and a worker to spare.
  {
    v1::HaltRequest halt;
    halt.set_tenant("shop");
    halt.set_reason("incident");
    v1::HaltResponse response;
    grpc::Status s = f.admin_->Halt(f.Context(f.other_).get(), halt, &response);
    INFO(s.error_message());
    CHECK(s.ok());
    v1::StatusResponse status;
    s = f.admin_->Status(f.Context(f.other_).get(), v1::StatusRequest(),
                         &status);
    INFO(s.error_message());
    REQUIRE(s.ok());
    REQUIRE(status.tenants_size() == 1);
    CHECK(status.tenants(0).halted());
  }

  // Once the held calls are answered, "ops" is served again.
  f.Release();
  answered.Wait();
  for (const grpc::Status& s : statuses) {
    INFO(s.error_message());
    CHECK(s.ok());
  }
  CHECK(reloaded[0].policy().version() == "fake-1");
  v1::ResumeRequest resume;
  resume.set_tenant("shop");
  resume.set_reason("resolved");
  v1::ResumeResponse resumed;
  grpc::Status s = f.admin_->Resume(f.Context(f.ops_).get(), resume, &resumed);
  INFO(s.error_message());
  CHECK(s.ok());
}

TEST_CASE("sequential admin calls never count against the cap",
          "[admin_calls]") {
  AdminCallsFixture f(/*max_calls=*/1);
  f.Release();
  for (int i = 0; i < 20; ++i) {
    v1::StatusResponse status;
    REQUIRE(
        f.admin_->Status(f.Context(f.ops_).get(), v1::StatusRequest(), &status)
            .ok());
    v1::ReloadResponse reloaded;
    grpc::Status s = f.admin_->Reload(f.Context(f.ops_).get(),
                                      v1::ReloadRequest(), &reloaded);
    INFO(s.error_message());
    REQUIRE(s.ok());
  }
}

TEST_CASE("an export its reader abandons ends and gives its place back",
          "[admin_calls]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  testing::TestPrincipal auditor;
  std::ostringstream log_text;
  daemon::Logger log(clock, log_text);
  std::ofstream(dir.Sub("shop.policy"))
      << "policy \"shop\" version \"1\"\n"
         "tenant \"shop\" {\n"
         "  tool reply { class read  rule r \"replies\" allow }\n"
         "}\n";
  std::ofstream(dir.Sub("gate.yaml"))
      << auditor.Yaml()
      << "policy: shop.policy\ndataDir: data\nlisten:\n"
         "  tcpAddress: 127.0.0.1:0\n  disableUnixSocket: true\n"
         "ledger:\n  checkpointEveryEntries: 1\n"
         "limits:\n  maxAdminCallsPerPrincipal: 1\n";
  auto config = config::LoadConfigFile(dir.Sub("gate.yaml"));
  REQUIRE(config.ok());
  auto daemon = daemon::Daemon::Start(*config, clock, log);
  REQUIRE(daemon.ok());
  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string((*daemon)->tcp_port()),
                          grpc::InsecureChannelCredentials());
  auto gate = v1::Gate::NewStub(channel);
  auto admin = v1::Admin::NewStub(channel);
  for (int i = 0; i < 50; ++i) {
    v1::EvaluateRequest request;
    request.mutable_action()->set_tenant("shop");
    request.mutable_action()->set_agent("bot");
    request.mutable_action()->set_tool("reply");
    v1::EvaluateResponse response;
    grpc::Status s =
        gate->Evaluate(auditor.Context().get(), request, &response);
    INFO(s.error_message());
    REQUIRE(s.ok());
  }

  for (int round = 0; round < 3; ++round) {
    v1::ExportLedgerRequest request;
    request.set_tenant("shop");
    auto context = AdminCallsFixture::Context(auditor);
    auto stream = admin->ExportLedger(context.get(), request);
    ledger::v1::ExportLine line;
    REQUIRE(stream->Read(&line));
    CHECK(line.header().tenant() == "shop");
    context->TryCancel();
    while (stream->Read(&line)) {
    }
    grpc::Status s = stream->Finish();
    INFO(s.error_message());
    // Cancelled, unless the whole export was already on its way.
    CHECK((s.ok() || s.error_code() == grpc::StatusCode::CANCELLED));
    // The caller sees its cancellation at once; the gate gives the place
    // back once its worker has seen it too. Until then the same principal
    // (cap 1) is refused, never served twice over its cap.
    auto until = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    for (;;) {
      v1::StatusResponse status;
      s = admin->Status(AdminCallsFixture::Context(auditor).get(),
                        v1::StatusRequest(), &status);
      if (s.ok()) break;
      INFO(s.error_message());
      REQUIRE(s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
      REQUIRE(std::chrono::steady_clock::now() < until);
      std::this_thread::yield();
    }
  }
  // A whole export still streams.
  v1::ExportLedgerRequest request;
  request.set_tenant("shop");
  auto context = AdminCallsFixture::Context(auditor);
  auto stream = admin->ExportLedger(context.get(), request);
  ledger::v1::ExportLine line;
  int entries = 0;
  while (stream->Read(&line)) entries += line.has_entry();
  grpc::Status s = stream->Finish();
  INFO(s.error_message());
  CHECK(s.ok());
  CHECK(entries >= 50);
}

TEST_CASE("the cap on admin calls takes a default and is checked",
          "[admin_calls]") {
  auto defaults = config::ParseConfig("policy: p.policy\n", "yaml", ".");
  REQUIRE(defaults.ok());
  CHECK(defaults->limits().max_admin_calls_per_principal() == 16);
  auto set = config::ParseConfig(
      "policy: p.policy\nlimits:\n  maxAdminCallsPerPrincipal: 3\n", "yaml",
      ".");
  REQUIRE(set.ok());
  CHECK(set->limits().max_admin_calls_per_principal() == 3);
  auto bad = config::ParseConfig(
      "policy: p.policy\nlimits:\n  maxAdminCallsPerPrincipal: 100001\n",
      "yaml", ".");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(bad.status().message().find("limits.maxAdminCallsPerPrincipal") !=
        std::string::npos);
}

}  // namespace
}  // namespace portcullis::server
