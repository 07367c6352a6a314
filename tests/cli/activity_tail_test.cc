// `portcullis activity tail` against a live gate: JSON Lines on stdout,
// syslog messages octet-counted to a loopback TCP collector, and the
// refusals a caller or an address meets.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "cli/activity_commands.h"
#include "config/config_loader.h"
#include "daemon/daemon.h"
#include "identity/token.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "tests/cli/captured.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::cli {
namespace {

class LiveGate {
 public:
  LiveGate() {
    std::ofstream(dir_.Sub("shop.policy"))
        << "policy \"shop\" version \"1\"\n"
           "tenant \"shop\" {\n"
           "  tool reply_customer { class read  arg note: string\n"
           "    rule r \"replies\" allow }\n"
           "}\n";
    std::ofstream(dir_.Sub("gate.yaml"))
        << "policy: shop.policy\ndataDir: data\n"
           "listen:\n  tcpAddress: 127.0.0.1:0\n  disableUnixSocket: true\n"
           "ledger:\n  durability: DURABILITY_PROCESS\n"
           "principals:\n"
           "  - name: agent\n    roles: [agent]\n    tenants: [shop]\n"
           "    agents: [bot]\n"
           "    tokenHashes: ['"
        << identity::TokenHash(agent_token_)
        << "']\n"
           "  - name: auditor\n    roles: [auditor]\n    tenants: [shop]\n"
           "    tokenHashes: ['"
        << identity::TokenHash(auditor_token_) << "']\n";
    auto config = config::LoadConfigFile(dir_.Sub("gate.yaml"));
    REQUIRE(config.ok());
    auto daemon = daemon::Daemon::Start(*config, clock_, log_);
    REQUIRE(daemon.ok());
    daemon_ = std::move(*daemon);
    address_ = "127.0.0.1:" + std::to_string(daemon_->tcp_port());
    auto stub = v1::Gate::NewStub(
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
    for (const char* tool : {"reply_customer", "wire_money"}) {
      v1::EvaluateRequest request;
      request.mutable_action()->set_tenant("shop");
      request.mutable_action()->set_agent("bot");
      request.mutable_action()->set_tool(tool);
      (*request.mutable_action()->mutable_arguments())["note"].set_string_value(
          "argument-value-never-streamed");
      grpc::ClientContext context;
      context.AddMetadata("authorization", "Bearer " + agent_token_);
      v1::EvaluateResponse response;
      REQUIRE(stub->Evaluate(&context, request, &response).ok());
    }
  }

  ActivityTailArgs Args() const {
    ActivityTailArgs args;
    args.gate = address_;
    args.token = auditor_token_;
    args.tenant = "shop";
    args.from = 1;
    return args;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::ostringstream log_text_;
  daemon::Logger log_{clock_, log_text_};
  std::string agent_token_ = identity::NewToken();
  std::string auditor_token_ = identity::NewToken();
  std::unique_ptr<daemon::Daemon> daemon_;
  std::string address_;
};

// The entries of tenant shop: the policy record, then two decisions.
constexpr int kEntries = 3;

TEST_CASE("activity tail writes JSON Lines in order and stops at --limit",
          "[activity]") {
  LiveGate gate;
  Captured c;
  ActivityTailArgs args = gate.Args();
  args.limit = kEntries;
  REQUIRE(RunActivityTail(args, c.io) == kExitOk);
  std::vector<std::string> lines =
      absl::StrSplit(c.out.str(), '\n', absl::SkipEmpty());
  REQUIRE(lines.size() == kEntries);
  CHECK(lines[0].find("\"sequence\":\"1\"") != std::string::npos);
  CHECK(lines[1].find("\"sequence\":\"2\"") != std::string::npos);
  CHECK(lines[1].find("\"tool\":\"reply_customer\"") != std::string::npos);
  CHECK(lines[1].find("\"outcome\":\"ALLOW\"") != std::string::npos);
  CHECK(lines[2].find("\"tool\":\"wire_money\"") != std::string::npos);
  CHECK(lines[2].find("\"outcome\":\"DENY\"") != std::string::npos);
  CHECK(c.out.str().find("argument-value-never-streamed") == std::string::npos);
  CHECK(c.out.str().find(gate.agent_token_) == std::string::npos);
}

// A loopback TCP listener that collects what one client sends.
class Collector {
 public:
  Collector() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(::listen(fd_, 1) == 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    reader_ = std::thread([this] {
      int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      char buf[4096];
      ssize_t n;
      while ((n = ::read(client, buf, sizeof(buf))) > 0)
        received_.append(buf, n);
      ::close(client);
    });
  }
  ~Collector() {
    ::shutdown(fd_, SHUT_RDWR);  // wakes an accept no client came for
    if (reader_.joinable()) reader_.join();
    ::close(fd_);
  }
  // Everything received, once the client has closed the connection.
  std::string Received() {
    reader_.join();
    return received_;
  }
  int port_ = 0;

 private:
  int fd_ = -1;
  std::thread reader_;
  std::string received_;
};

TEST_CASE("activity tail sends octet-counted syslog to a loopback collector",
          "[activity]") {
  LiveGate gate;
  Collector collector;
  Captured c;
  ActivityTailArgs args = gate.Args();
  args.limit = kEntries;
  args.syslog_address = "127.0.0.1:" + std::to_string(collector.port_);
  REQUIRE(RunActivityTail(args, c.io) == kExitOk);
  CHECK(c.out.str().empty());
  std::string received = collector.Received();
  // Frames: "LEN SP MSG", back to back.
  std::vector<std::string> messages;
  absl::string_view rest = received;
  while (!rest.empty()) {
    size_t space = rest.find(' ');
    REQUIRE(space != absl::string_view::npos);
    size_t length = 0;
    REQUIRE(absl::SimpleAtoi(rest.substr(0, space), &length));
    REQUIRE(rest.size() >= space + 1 + length);
    messages.emplace_back(rest.substr(space + 1, length));
    rest.remove_prefix(space + 1 + length);
  }
  REQUIRE(messages.size() == kEntries);
  CHECK(messages[1].rfind("<110>1 ", 0) == 0);
  CHECK(messages[1].find(" portcullis ") != std::string::npos);
  CHECK(messages[1].find(" action.evaluated [portcullis@32473 tenant=\"shop\" "
                         "seq=\"2\"") != std::string::npos);
  CHECK(messages[2].rfind("<108>1 ", 0) == 0);  // a DENY is a warning
  CHECK(received.find("argument-value-never-streamed") == std::string::npos);
}

TEST_CASE("activity tail refuses a non-loopback collector and a bad format",
          "[activity]") {
  Captured c;
  ActivityTailArgs args;
  args.gate = "127.0.0.1:1";
  args.syslog_address = "192.0.2.1:514";
  CHECK(RunActivityTail(args, c.io) == kExitUsage);
  CHECK(c.err.str().find("not a loopback address") != std::string::npos);
  args.syslog_address = "";
  args.format = "xml";
  CHECK(RunActivityTail(args, c.io) == kExitUsage);
  args.format = "json";
  args.syslog_address = "127.0.0.1:514";
  CHECK(RunActivityTail(args, c.io) == kExitUsage);
}

TEST_CASE("activity tail reports a refused caller", "[activity]") {
  LiveGate gate;
  Captured c;
  ActivityTailArgs args = gate.Args();
  args.token = gate.agent_token_;  // no operator or auditor role
  CHECK(RunActivityTail(args, c.io) == kExitFailed);
  CHECK(c.err.str().find("operator or auditor") != std::string::npos);
}

}  // namespace
}  // namespace portcullis::cli
