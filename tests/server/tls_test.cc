// TLS and mTLS on the TCP listener, with certificates made by openssl for
// the test.
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/time/clock.h"
#include "codec/proto_record_codec.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "ledger/rocksdb_store.h"
#include "server/server.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_policy.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_certificates.h"
#include "tests/testing/test_principal.h"

namespace portcullis::server {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class TlsFixture {
 public:
  TlsFixture() {
    REQUIRE(certs_.made());
    auto store = ledger::RocksDbStore::Open(dir_.Sub("db"), {});
    REQUIRE(store.ok());
    auto ledger = ledger::Ledger::Open(std::move(*store));
    REQUIRE(ledger.ok());
    ledger_ = std::move(*ledger);
    gate_ = std::make_unique<gate::Gate>(clock_, *ledger_, codec_, key_,
                                         gate::ApproverRegistry());
    authenticator_ =
        std::make_unique<identity::Authenticator>(principal_.Table());
  }

  absl::StatusOr<std::unique_ptr<Server>> Start(
      bool require_client_cert,
      absl::Duration reload_every = absl::Minutes(1)) {
    ServerOptions options;
    options.tcp_address = "127.0.0.1:0";
    options.tls = TlsFiles{dir_.Sub("server.crt"), dir_.Sub("server.key"),
                           require_client_cert ? dir_.Sub("ca.crt") : "",
                           require_client_cert, reload_every};
    return Server::Start(*gate_, options, *authenticator_);
  }

  // A health check over TLS, with or without a client certificate,
  // trusting the CA in `ca_file` (the test's own by default).
  grpc::Status Check(int port, bool client_cert, std::string ca_file = "") {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = Read(ca_file.empty() ? dir_.Sub("ca.crt") : ca_file);
    if (client_cert) {
      ssl.pem_private_key = Read(dir_.Sub("client.key"));
      ssl.pem_cert_chain = Read(dir_.Sub("client.crt"));
    }
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                       grpc::SslCredentials(ssl));
    auto health = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    grpc::health::v1::HealthCheckResponse response;
    return health->Check(&context, {}, &response);
  }

  testing::TempDir dir_;
  testing::TestCertificates certs_{dir_};
  testing::FakeClock clock_;
  codec::ProtoRecordCodec codec_;
  crypto::SigningKey key_ = crypto::SigningKey::Generate();
  testing::TestPrincipal principal_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<gate::Gate> gate_;
  std::unique_ptr<identity::Authenticator> authenticator_;
};

TEST_CASE("the gate serves TLS, and a plaintext client cannot talk to it",
          "[tls]") {
  TlsFixture f;
  auto server = f.Start(false);
  REQUIRE(server.ok());
  int port = (*server)->tcp_port();
  CHECK(f.Check(port, false).ok());
  auto plain = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  grpc::health::v1::HealthCheckResponse response;
  CHECK_FALSE(plain->Check(&context, {}, &response).ok());
}

TEST_CASE("with mTLS required, a client without a certificate is refused",
          "[tls]") {
  TlsFixture f;
  auto server = f.Start(true);
  REQUIRE(server.ok());
  int port = (*server)->tcp_port();
  CHECK(f.Check(port, true).ok());
  CHECK_FALSE(f.Check(port, false).ok());
}

TEST_CASE(
    "a certificate rotated in place is served to new connections without a "
    "restart",
    "[tls]") {
  TlsFixture f;
  auto server = f.Start(false, absl::Seconds(1));
  REQUIRE(server.ok());
  const int port = (*server)->tcp_port();
  REQUIRE(f.Check(port, false).ok());
  // Another CA's certificate and key replace the files, each by a rename,
  // as a Secret's files are replaced.
  testing::TempDir next_dir;
  testing::TestCertificates next(next_dir);
  REQUIRE(next.made());
  std::filesystem::rename(next.server_key(), f.dir_.Sub("server.key"));
  std::filesystem::rename(next.server_cert(), f.dir_.Sub("server.crt"));
  // Read again within a second or two: the new CA's clients get in...
  bool rotated = false;
  for (int i = 0; i < 100 && !rotated; ++i) {
    rotated = f.Check(port, false, next.ca()).ok();
    if (!rotated) absl::SleepFor(absl::Milliseconds(100));
  }
  CHECK(rotated);
  // ...and the old CA's certificate is no longer what the gate shows.
  CHECK_FALSE(f.Check(port, false).ok());
}

TEST_CASE("a non-loopback address is accepted only with TLS", "[tls]") {
  TlsFixture f;
  ServerOptions plain;
  plain.tcp_address = "0.0.0.0:0";
  CHECK(Server::Start(*f.gate_, plain, *f.authenticator_).status().code() ==
        absl::StatusCode::kInvalidArgument);
  ServerOptions tls = plain;
  tls.tls =
      TlsFiles{f.dir_.Sub("server.crt"), f.dir_.Sub("server.key"), "", false};
  auto server = Server::Start(*f.gate_, tls, *f.authenticator_);
  CHECK(server.ok());
}

TEST_CASE("unusable TLS files are clear errors", "[tls]") {
  TlsFixture f;
  ServerOptions options;
  options.tcp_address = "127.0.0.1:0";
  options.tls =
      TlsFiles{f.dir_.Sub("absent.crt"), f.dir_.Sub("server.key"), "", false};
  CHECK(Server::Start(*f.gate_, options, *f.authenticator_).status().code() ==
        absl::StatusCode::kNotFound);
  REQUIRE(::chmod(f.dir_.Sub("server.key").c_str(), 0644) == 0);
  options.tls->cert_file = f.dir_.Sub("server.crt");
  CHECK(Server::Start(*f.gate_, options, *f.authenticator_).status().code() ==
        absl::StatusCode::kPermissionDenied);
  options.tls =
      TlsFiles{f.dir_.Sub("server.crt"), f.dir_.Sub("server.key"), "", true};
  CHECK(Server::Start(*f.gate_, options, *f.authenticator_).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace portcullis::server
