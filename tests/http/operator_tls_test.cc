// HTTPS on the operators' listener, with a certificate made by openssl for
// the test and a real TLS client (openssl s_client).
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "http/operator_server.h"
#include "tests/http/raw_http.h"
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

// What a TLS client that trusts `ca` reads from GET `path`.
std::string HttpsGet(int port, const std::string& ca, const std::string& path) {
  std::string command = absl::StrCat(
      "printf 'GET ", path,
      " HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n' | "
      "openssl s_client -quiet -verify_return_error -connect 127.0.0.1:",
      port, " -CAfile '", ca, "' 2>/dev/null");
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[1024];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    out.append(buffer, n);
  }
  ::pclose(pipe);
  return out;
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
  std::string answer = HttpsGet(port, dir.Sub("server.crt"), "/metrics");
  CHECK(answer.find("HTTP/1.1 200 OK") != std::string::npos);
  CHECK(answer.find("up 1\n") != std::string::npos);
  // Plain HTTP on the same port gets no answer.
  CHECK(testing::Get(port, "/metrics").status != 200);
}

}  // namespace
}  // namespace portcullis::http
