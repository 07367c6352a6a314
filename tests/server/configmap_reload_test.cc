// The gate in a Kubernetes pod reads its policy from a ConfigMap volume and
// its principals from a Secret volume. The kubelet updates such a volume
// the way its AtomicWriter does (pkg/volume/util/atomic_writer.go): the new
// files go into a fresh timestamped directory "..2026_12_05_03_40_00.N", a
// symlink "..data_tmp" to it is renamed over "..data" (one atomic rename),
// and the old timestamped directory is removed. The user-visible names
// ("gate.policy") are symlinks to "..data/gate.policy" that never change.
// These cases reproduce exactly that swap against a running daemon.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "config/config_loader.h"
#include "daemon/daemon.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_principal.h"

namespace portcullis::server {
namespace {

namespace fs = std::filesystem;

std::string Policy(const std::string& version, const std::string& verb) {
  return absl::StrCat("policy \"shop\" version \"", version,
                      "\"\n"
                      "tenant \"shop\" {\n"
                      "  tool reply_customer {\n"
                      "    class read\n"
                      "    arg order_id: string\n"
                      "    rule replies \"replies\"\n"
                      "      ",
                      verb, "\n  }\n}\n");
}

// A directory laid out and updated as the kubelet lays out and updates a
// ConfigMap or Secret volume holding one file.
class KubeletVolume {
 public:
  KubeletVolume(fs::path mount, std::string file, const std::string& text)
      : mount_(std::move(mount)), file_(std::move(file)) {
    fs::create_directories(mount_);
    current_ = WriteGeneration(text);
    fs::create_directory_symlink(current_, mount_ / "..data");
    fs::create_symlink(fs::path("..data") / file_, mount_ / file_);
  }

  // The kubelet's update: a new timestamped directory, "..data_tmp" pointing
  // at it renamed over "..data", then the old directory removed.
  void Update(const std::string& text) {
    std::string previous = current_;
    current_ = WriteGeneration(text);
    fs::create_directory_symlink(current_, mount_ / "..data_tmp");
    fs::rename(mount_ / "..data_tmp", mount_ / "..data");
    fs::remove_all(mount_ / previous);
  }

  std::string path() const { return (mount_ / file_).string(); }

 private:
  std::string WriteGeneration(const std::string& text) {
    std::string name = absl::StrCat("..2026_12_05_03_40_0", generation_,
                                    ".28130", generation_);
    ++generation_;
    fs::create_directory(mount_ / name);
    std::ofstream(mount_ / name / file_) << text;
    return name;
  }

  const fs::path mount_;
  const std::string file_;
  std::string current_;
  int generation_ = 0;
};

// Waits for `done` on the daemon's watcher thread's work; the deadline only
// turns a missed reload into a failure instead of a hang.
template <typename Predicate>
bool Eventually(Predicate done) {
  absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

class PodFixture {
 public:
  PodFixture()
      : policy_(dir_.path() / "etc/policy", "gate.policy",
                Policy("1", "allow")),
        principals_(dir_.path() / "etc/principals", "principals.json",
                    PrincipalsJson(first_)) {
    std::ofstream(dir_.Sub("gate.yaml"))
        << "policy: " << policy_.path() << "\n"
        << "principalsFile: " << principals_.path() << "\n"
        << "dataDir: data\n"
           "listen:\n"
           "  tcpAddress: 127.0.0.1:0\n"
           "  disableUnixSocket: true\n";
    auto config = config::LoadConfigFile(dir_.Sub("gate.yaml"));
    REQUIRE(config.ok());
    auto daemon = daemon::Daemon::Start(*config, clock_, log_);
    REQUIRE(daemon.ok());
    daemon_ = std::move(*daemon);
    stub_ = v1::Gate::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", daemon_->tcp_port()),
                            grpc::InsecureChannelCredentials()));
  }

  static std::string PrincipalsJson(const testing::TestPrincipal& p) {
    return absl::StrCat(
        R"({"principals": [{"name": ")", p.name,
        R"(", "roles": ["agent"], "tenants": ["*"], "agents": ["*"], )",
        R"("tokenHashes": [")", identity::TokenHash(p.token), R"("]}]})");
  }

  // Evaluates one reply as `caller`; the gRPC status and the outcome.
  std::pair<grpc::StatusCode, v1::Outcome> Reply(
      const testing::TestPrincipal& caller) {
    v1::EvaluateRequest request;
    request.mutable_action()->set_tenant("shop");
    request.mutable_action()->set_agent("bot");
    request.mutable_action()->set_tool("reply_customer");
    (*request.mutable_action()->mutable_arguments())["order_id"]
        .set_string_value("1042");
    v1::EvaluateResponse response;
    grpc::Status s =
        stub_->Evaluate(caller.Context().get(), request, &response);
    return {s.error_code(), response.decision().outcome()};
  }

  std::string PolicyVersion() { return daemon_->gate().policy()->version; }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  testing::TestPrincipal first_{"agent-one"};
  testing::TestPrincipal second_{"agent-two"};
  std::ostringstream log_text_;
  daemon::Logger log_{clock_, log_text_};
  KubeletVolume policy_;
  KubeletVolume principals_;
  std::unique_ptr<daemon::Daemon> daemon_;
  std::unique_ptr<v1::Gate::Stub> stub_;
};

TEST_CASE("a ConfigMap update of the policy file is reloaded by the gate",
          "[configmap]") {
  PodFixture pod;
  REQUIRE(pod.PolicyVersion() == "1");
  CHECK(pod.Reply(pod.first_).second == v1::OUTCOME_ALLOW);

  pod.policy_.Update(Policy("2", "deny"));
  REQUIRE(Eventually([&] { return pod.PolicyVersion() == "2"; }));
  CHECK(pod.Reply(pod.first_).second == v1::OUTCOME_DENY);

  // A second update, after the first timestamped directory is gone.
  pod.policy_.Update(Policy("3", "allow"));
  REQUIRE(Eventually([&] { return pod.PolicyVersion() == "3"; }));
  CHECK(pod.Reply(pod.first_).second == v1::OUTCOME_ALLOW);
}

TEST_CASE("a ConfigMap update that does not compile keeps the policy",
          "[configmap]") {
  PodFixture pod;
  pod.policy_.Update("policy \"shop\" version \"2\"\ntenant \"shop\" { tool }");
  // Whether or not the watcher got there first, the broken text is rejected
  // and the policy in force stays.
  CHECK(pod.daemon_->ReloadPolicy().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(pod.PolicyVersion() == "1");
  CHECK(pod.Reply(pod.first_).second == v1::OUTCOME_ALLOW);

  pod.policy_.Update(Policy("3", "deny"));
  REQUIRE(Eventually([&] { return pod.PolicyVersion() == "3"; }));
  CHECK(pod.Reply(pod.first_).second == v1::OUTCOME_DENY);
}

TEST_CASE("a Secret update of the principals file rotates tokens",
          "[configmap]") {
  PodFixture pod;
  REQUIRE(pod.Reply(pod.first_).first == grpc::StatusCode::OK);
  REQUIRE(pod.Reply(pod.second_).first == grpc::StatusCode::UNAUTHENTICATED);

  pod.principals_.Update(PodFixture::PrincipalsJson(pod.second_));
  REQUIRE(Eventually(
      [&] { return pod.Reply(pod.second_).first == grpc::StatusCode::OK; }));
  CHECK(pod.Reply(pod.first_).first == grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace portcullis::server
