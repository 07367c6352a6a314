// HTTPS on the operators' listener, with a certificate made by openssl for
// the test and a real TLS client (openssl s_client).
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "http/operator_server.h"
#include "tests/http/raw_http.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::http {
namespace {

void MakeCertificate(const testing::TempDir& dir) {
  std::string script = absl::StrCat(
      "set -e; cd '", dir.path().string(),
      "'; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
      "-nodes -keyout server.key -out server.crt -days 2 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 2>/dev/null; chmod 600 server.key");
  REQUIRE(std::system(script.c_str()) == 0);
}

TEST_CASE("with TLS configured the listener serves HTTPS only", "[http]") {
  testing::TempDir dir;
  MakeCertificate(dir);
  OperatorServerOptions options;
  options.loopback = false;  // allowed: TLS is configured
  options.tls_cert_file = dir.Sub("server.crt");
  options.tls_key_file = dir.Sub("server.key");
  OperatorHandlers handlers;
  handlers.metrics = [] { return std::string("up 1\n"); };
  auto server = OperatorServer::Start(options, std::move(handlers));
  REQUIRE(server.ok());
  int port = (*server)->port();
  std::string answer =
      testing::HttpsGet(port, dir.Sub("server.crt"), "/metrics");
  CHECK(answer.find("HTTP/1.1 200 OK") != std::string::npos);
  CHECK(answer.find("up 1\n") != std::string::npos);
  // Plain HTTP on the same port gets no answer.
  CHECK(testing::Get(port, "/metrics").status != 200);
}

bool Answers(int port, const std::string& ca) {
  return testing::HttpsGet(port, ca, "/metrics").find("HTTP/1.1 200 OK") !=
         std::string::npos;
}

TEST_CASE(
    "a certificate rotated in place is served once the reload interval has "
    "passed, and a broken one is not taken up",
    "[http]") {
  testing::TempDir dir;
  MakeCertificate(dir);
  testing::TempDir trust;  // each certificate, kept to verify against
  std::filesystem::copy_file(dir.Sub("server.crt"), trust.Sub("first.crt"));
  testing::FakeClock clock;
  absl::Mutex mu;
  std::vector<std::string> problems;
  OperatorServerOptions options;
  options.tls_cert_file = dir.Sub("server.crt");
  options.tls_key_file = dir.Sub("server.key");
  options.tls_reload_every = absl::Minutes(1);
  options.clock = &clock;
  options.on_tls_reload_failed = [&](const absl::Status& problem) {
    absl::MutexLock lock(&mu);
    problems.emplace_back(problem.message());
  };
  OperatorHandlers handlers;
  handlers.metrics = [] { return std::string("up 1\n"); };
  auto server = OperatorServer::Start(options, std::move(handlers));
  REQUIRE(server.ok());
  const int port = (*server)->port();
  REQUIRE(Answers(port, trust.Sub("first.crt")));

  // Another certificate and key replace the files, each by a rename, as a
  // Kubernetes Secret's files are replaced.
  testing::TempDir next;
  MakeCertificate(next);
  std::filesystem::copy_file(next.Sub("server.crt"), trust.Sub("next.crt"));
  std::filesystem::rename(next.Sub("server.key"), dir.Sub("server.key"));
  std::filesystem::rename(next.Sub("server.crt"), dir.Sub("server.crt"));
  // Within the interval the first pair is still served...
  clock.Advance(absl::Seconds(59));
  CHECK(Answers(port, trust.Sub("first.crt")));
  CHECK_FALSE(Answers(port, trust.Sub("next.crt")));
  // ...and once it has passed, the new one, to new connections.
  clock.Advance(absl::Seconds(1));
  CHECK(Answers(port, trust.Sub("next.crt")));
  CHECK_FALSE(Answers(port, trust.Sub("first.crt")));

  // A key that is not the certificate's keeps the pair in use, and says so.
  testing::TempDir stray;
  MakeCertificate(stray);
  std::filesystem::rename(stray.Sub("server.key"), dir.Sub("server.key"));
  clock.Advance(absl::Minutes(1));
  CHECK(Answers(port, trust.Sub("next.crt")));
  {
    absl::MutexLock lock(&mu);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].find("the key is not the certificate's") !=
          std::string::npos);
    CHECK(problems[0].find(dir.Sub("server.crt")) != std::string::npos);
  }
  // Nor a matching pair whose key any user may read.
  MakeCertificate(stray);
  std::filesystem::rename(stray.Sub("server.key"), dir.Sub("server.key"));
  std::filesystem::rename(stray.Sub("server.crt"), dir.Sub("server.crt"));
  std::filesystem::permissions(dir.Sub("server.key"),
                               std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  clock.Advance(absl::Minutes(1));
  CHECK(Answers(port, trust.Sub("next.crt")));
  {
    absl::MutexLock lock(&mu);
    REQUIRE(problems.size() == 2);
    CHECK(problems[1].find("readable by any user") != std::string::npos);
  }
  // Files that are not there either.
  std::filesystem::remove(dir.Sub("server.crt"));
  clock.Advance(absl::Minutes(1));
  CHECK(Answers(port, trust.Sub("next.crt")));
  absl::MutexLock lock(&mu);
  CHECK(problems.size() == 3);
}

TEST_CASE(
    "a TLS key any user may read is refused at start, one its group may "
    "read is not",
    "[http]") {
  testing::TempDir dir;
  MakeCertificate(dir);
  // As Kubernetes mounts a Secret under fsGroup.
  REQUIRE(::chmod(dir.Sub("server.key").c_str(), 0440) == 0);
  OperatorServerOptions options;
  options.tls_cert_file = dir.Sub("server.crt");
  options.tls_key_file = dir.Sub("server.key");
  CHECK(OperatorServer::Start(options, {}).ok());
  REQUIRE(::chmod(dir.Sub("server.key").c_str(), 0644) == 0);
  auto server = OperatorServer::Start(options, {});
  REQUIRE(absl::IsPermissionDenied(server.status()));
  CHECK(server.status().message().find("chmod 600") != std::string::npos);
}

}  // namespace
}  // namespace portcullis::http
