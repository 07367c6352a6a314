#include "http/operator_server.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <string>

#include "tests/http/raw_http.h"

namespace portcullis::http {
namespace {

using testing::BodyOf;
using testing::Get;
using testing::SendRaw;

struct Fixture {
  std::atomic<bool> ready{true};
  std::unique_ptr<OperatorServer> server;

  Fixture() {
    OperatorHandlers handlers;
    handlers.metrics = [] { return std::string("up 1\n"); };
    handlers.ready = [this] { return ready.load(); };
    auto started = OperatorServer::Start({}, std::move(handlers));
    REQUIRE(started.ok());
    server = *std::move(started);
  }
  int port() const { return server->port(); }
};

TEST_CASE("/metrics answers the registry's text with Prometheus's type",
          "[http]") {
  Fixture f;
  REQUIRE(f.port() > 0);
  testing::RawResponse r = Get(f.port(), "/metrics");
  CHECK(r.status == 200);
  CHECK(BodyOf(r) == "up 1\n");
  CHECK(r.text.find("Content-Type: text/plain; version=0.0.4") !=
        std::string::npos);
}

TEST_CASE("/readyz follows readiness and /healthz only liveness", "[http]") {
  Fixture f;
  CHECK(Get(f.port(), "/readyz").status == 200);
  CHECK(BodyOf(Get(f.port(), "/readyz")) == "SERVING\n");
  f.ready = false;
  testing::RawResponse r = Get(f.port(), "/readyz");
  CHECK(r.status == 503);
  CHECK(BodyOf(r) == "NOT_SERVING\n");
  CHECK(Get(f.port(), "/healthz").status == 200);
}

TEST_CASE("unknown paths and methods are 404, nothing else is served",
          "[http]") {
  Fixture f;
  CHECK(Get(f.port(), "/").status == 404);
  CHECK(Get(f.port(), "/metrics/../etc/passwd").status == 404);
  CHECK(Get(f.port(), "/metricsx").status == 404);
  CHECK(SendRaw(f.port(),
                "DELETE /metrics HTTP/1.1\r\nHost: x\r\nConnection: "
                "close\r\n\r\n")
            .status == 404);
}

TEST_CASE("oversized and malformed requests get a 4xx and the server lives on",
          "[http]") {
  Fixture f;
  // A request line past the library's 8 KiB limit.
  testing::RawResponse long_uri =
      Get(f.port(), "/metrics?" + std::string(20000, 'a'));
  CHECK(long_uri.status >= 400);
  CHECK(long_uri.status < 500);
  // A body larger than any request should carry.
  testing::RawResponse big_body =
      SendRaw(f.port(),
              "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000"
              "\r\nConnection: close\r\n\r\n" +
                  std::string(100000, 'b'));
  CHECK(big_body.status >= 400);
  CHECK(big_body.status < 500);
  // Garbage instead of a request line.
  testing::RawResponse garbage =
      SendRaw(f.port(), std::string("\x01\x02\xff not http\r\n\r\n", 19));
  CHECK(
      (garbage.status == 0 || (garbage.status >= 400 && garbage.status < 500)));
  // A header line without a colon (the library skips it), and an absurd
  // Content-Length.
  int no_colon =
      SendRaw(f.port(), "GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n")
          .status;
  CHECK((no_colon == 200 || (no_colon >= 400 && no_colon < 500)));
  CHECK(SendRaw(f.port(),
                "POST /metrics HTTP/1.1\r\nContent-Length: "
                "99999999999999999999999\r\n\r\n")
            .status >= 400);
  // Still serving.
  CHECK(Get(f.port(), "/metrics").status == 200);
}

TEST_CASE("a non-loopback address without TLS is refused", "[http]") {
  OperatorServerOptions options;
  options.host = "0.0.0.0";
  options.loopback = false;
  auto started = OperatorServer::Start(options, {});
  REQUIRE(!started.ok());
  CHECK(absl::IsInvalidArgument(started.status()));
  CHECK(started.status().message().find("without TLS") != std::string::npos);
}

TEST_CASE("half a TLS configuration is refused", "[http]") {
  OperatorServerOptions options;
  options.tls_cert_file = "/nonexistent/cert.pem";
  CHECK(absl::IsInvalidArgument(OperatorServer::Start(options, {}).status()));
}

TEST_CASE("TLS files that do not load are refused", "[http]") {
  OperatorServerOptions options;
  options.tls_cert_file = "/nonexistent/cert.pem";
  options.tls_key_file = "/nonexistent/key.pem";
  CHECK(
      absl::IsFailedPrecondition(OperatorServer::Start(options, {}).status()));
}

TEST_CASE("a port already in use is Unavailable, naming the setting",
          "[http]") {
  Fixture f;
  OperatorServerOptions options;
  options.port = f.port();
  auto second = OperatorServer::Start(options, {});
  REQUIRE(!second.ok());
  CHECK(absl::IsUnavailable(second.status()));
  CHECK(second.status().message().find("observability.httpAddress") !=
        std::string::npos);
}

TEST_CASE("Stop is idempotent and the port is released", "[http]") {
  Fixture f;
  int port = f.port();
  f.server->Stop();
  f.server->Stop();
  CHECK(Get(port, "/healthz").status == 0);
}

}  // namespace
}  // namespace portcullis::http
