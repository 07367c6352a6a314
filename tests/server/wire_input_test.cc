// Wire-level bad input (issue 15, item 12): undecodable requests, hostile
// ids and codec-level rejects get INVALID_ARGUMENT with a short message,
// rejects of a known tenant are recorded, and nothing reaches the log
// before the caller is identified.
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/client_unary_call.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "config/config_loader.h"
#include "daemon/daemon.h"
#include "portcullis/v1/admin.grpc.pb.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "server/undecodable_request.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/stored_entries.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_principal.h"

namespace portcullis::server {
namespace {

constexpr char kPolicy[] = R"(
policy "shop" version "1"
tenant "shop" {
  tool refund {
    class write
    arg amount: money(SAR)
    rule r "refunds are fine" allow
  }
}
)";

class WireFixture {
 public:
  WireFixture() {
    std::ofstream(dir_.Sub("shop.policy")) << kPolicy;
    std::ofstream(dir_.Sub("gate.yaml"))
        << principal_.Yaml()
        << "policy: shop.policy\ndataDir: data\nlisten:\n"
           "  tcpAddress: 127.0.0.1:0\n  disableUnixSocket: true\n";
    auto config = config::LoadConfigFile(dir_.Sub("gate.yaml"));
    REQUIRE(config.ok());
    auto daemon = daemon::Daemon::Start(*config, clock_, log_);
    REQUIRE(daemon.ok());
    daemon_ = std::move(*daemon);
    channel_ =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(daemon_->tcp_port()),
                            grpc::InsecureChannelCredentials());
    gate_ = v1::Gate::NewStub(channel_);
    admin_ = v1::Admin::NewStub(channel_);
  }

  // Sends `bytes` as the request of `method`, as they are: no client-side
  // serializer gets a chance to check (or log) them.
  grpc::Status Raw(const std::string& method, const std::string& bytes,
                   bool authenticated = true) {
    grpc::ClientContext context;
    if (authenticated) principal_.Authorize(context);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    return grpc::internal::BlockingUnaryCall<grpc::ByteBuffer,
                                             grpc::ByteBuffer>(
        channel_.get(),
        grpc::internal::RpcMethod(method.c_str(),
                                  grpc::internal::RpcMethod::NORMAL_RPC),
        &context, request, &response);
  }

  std::vector<std::string> Kinds(const std::string& tenant) {
    daemon_.reset();
    return testing::StoredKinds(dir_.Sub("data"), tenant);
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::ostringstream log_text_;
  daemon::Logger log_{clock_, log_text_};
  testing::TestPrincipal principal_;
  std::unique_ptr<daemon::Daemon> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Gate::Stub> gate_;
  std::unique_ptr<v1::Admin::Stub> admin_;
};

// An EvaluateRequest whose tenant is not valid UTF-8, serialized without
// protobuf's checks: built with a placeholder, then the bytes swapped.
std::string EvaluateWithBadTenant() {
  v1::EvaluateRequest request;
  request.mutable_action()->set_tenant("shopXY");
  request.mutable_action()->set_agent("bot");
  request.mutable_action()->set_tool("refund");
  std::string bytes = request.SerializeAsString();
  bytes.replace(bytes.find("XY"), 2, "\xff\xfe");
  return bytes;
}

// Runs `call` with the process's stderr sent to a file; returns what was
// written there.
template <typename Call>
std::string StderrOf(const testing::TempDir& dir, Call call) {
  std::fflush(stderr);
  const std::string path = dir.Sub("stderr.txt");
  FILE* file = std::fopen(path.c_str(), "w");
  REQUIRE(file != nullptr);
  int saved = dup(STDERR_FILENO);
  dup2(fileno(file), STDERR_FILENO);
  call();
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::fclose(file);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void ExpectUndecodable(const grpc::Status& s) {
  INFO(s.error_code() << " " << s.error_message());
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(s.error_message() == kUndecodableRequest);
}

TEST_CASE("a tenant id that is not UTF-8 is INVALID_ARGUMENT, logged nowhere",
          "[wire]") {
  WireFixture f;
  std::string err = StderrOf(f.dir_, [&] {
    ExpectUndecodable(f.Raw("/portcullis.v1.Gate/Evaluate",
                            EvaluateWithBadTenant(), /*authenticated=*/false));
    ExpectUndecodable(
        f.Raw("/portcullis.v1.Gate/Evaluate", EvaluateWithBadTenant()));
  });
  CHECK(err.find("UTF-8") == std::string::npos);
  CHECK(err.find("libprotobuf") == std::string::npos);
  CHECK(f.log_text_.str().find("UTF-8") == std::string::npos);
}

TEST_CASE("unparseable requests are INVALID_ARGUMENT on every kind of method",
          "[wire]") {
  WireFixture f;
  const std::string garbage = "\xff\xff\xff\xff\x0f";
  for (const char* method :
       {"/portcullis.v1.Gate/Evaluate", "/portcullis.v1.Gate/ListPending",
        "/portcullis.v1.Gate/Execute", "/portcullis.v1.Admin/PutSecret"}) {
    INFO(method);
    ExpectUndecodable(f.Raw(method, garbage));
  }
}

TEST_CASE("Admin.PutSecret validates the tenant id and echoes none of it",
          "[wire]") {
  WireFixture f;
  v1::PutSecretRequest put;
  put.set_tenant(std::string(10000, 'a') + std::string("\0\n", 2));
  put.set_name("api_key");
  put.set_value("s3cret-value");
  v1::SecretInfo info;
  grpc::ClientContext context;
  f.principal_.Authorize(context);
  grpc::Status s = f.admin_->PutSecret(&context, put, &info);
  INFO(s.error_message());
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(s.error_message().size() < 200);
  CHECK(s.error_message().find('\n') == std::string::npos);
  CHECK(s.error_message().find(std::string(100, 'a')) == std::string::npos);
}

TEST_CASE("codec-level rejects are INVALID_ARGUMENT and recorded", "[wire]") {
  WireFixture f;
  auto evaluate = [&](const v1::Value& amount_or_list) {
    v1::EvaluateRequest request;
    request.mutable_action()->set_tenant("shop");
    request.mutable_action()->set_agent("bot");
    request.mutable_action()->set_tool("refund");
    (*request.mutable_action()->mutable_arguments())["amount"] = amount_or_list;
    v1::EvaluateResponse response;
    auto context = f.principal_.Context();
    return f.gate_->Evaluate(context.get(), request, &response);
  };
  v1::Value not_decimal;
  not_decimal.mutable_money_value()->set_amount("1e5\n" +
                                                std::string(500, '9'));
  not_decimal.mutable_money_value()->set_currency("SAR");
  grpc::Status s = evaluate(not_decimal);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(s.error_message().find("not a decimal number") != std::string::npos);
  CHECK(s.error_message().find('\n') == std::string::npos);
  CHECK(s.error_message().size() < 300);

  v1::Value nested;
  v1::Value* v = &nested;
  for (int i = 0; i < 12; ++i) {
    v = v->mutable_list_value()->add_values();
  }
  v->set_int_value(1);
  s = evaluate(nested);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(s.error_message().find("nest too deeply") != std::string::npos);

  // Execute's codec rejects are recorded too.
  auto execute = [&](const v1::Value& amount_or_list) {
    v1::ExecuteRequest request;
    request.set_decision_id("dec-1");
    request.mutable_action()->set_tenant("shop");
    request.mutable_action()->set_agent("bot");
    request.mutable_action()->set_tool("refund");
    (*request.mutable_action()->mutable_arguments())["amount"] = amount_or_list;
    v1::ExecuteResponse response;
    auto context = f.principal_.Context();
    return f.gate_->Execute(context.get(), request, &response);
  };
  s = execute(not_decimal);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(s.error_message().find("not a decimal number") != std::string::npos);
  s = execute(nested);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(s.error_message().find("nest too deeply") != std::string::npos);
  std::vector<std::string> kinds = f.Kinds("shop");
  CHECK(std::count(kinds.begin(), kinds.end(), "action.rejected") == 4);
}

}  // namespace
}  // namespace portcullis::server
