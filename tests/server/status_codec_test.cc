#include "server/status_codec.h"

#include <catch2/catch.hpp>
#include <string>

namespace portcullis::server {
namespace {

TEST_CASE("server-side failures never show the data directory", "[status]") {
  grpc::Status s = ToGrpcStatus(absl::UnavailableError(
      "ledger append: IO error: No space left on device: While appending to "
      "file: /var/lib/portcullis/data/000012.log: retry later"));
  INFO(s.error_message());
  CHECK(s.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(s.error_message().find("/var/lib") == std::string::npos);
  CHECK(s.error_message().find("No space left on device") != std::string::npos);
  CHECK(s.error_message().find("retry later") != std::string::npos);

  s = ToGrpcStatus(absl::DataLossError("Corruption: /srv/x/000001.sst bad"));
  CHECK(s.error_message().find("/srv") == std::string::npos);
}

TEST_CASE("a caller's mistake keeps its message", "[status]") {
  grpc::Status s = ToGrpcStatus(
      absl::InvalidArgumentError("action.tool: a/b is not a tool name"));
  CHECK(s.error_message() == "action.tool: a/b is not a tool name");
}

TEST_CASE("messages are bounded", "[status]") {
  grpc::Status s = ToGrpcStatus(
      absl::NotFoundError("no decision " + std::string(20000, 'x')));
  CHECK(s.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(s.error_message().size() <= kMaxStatusMessageBytes);
  CHECK(s.error_message().rfind("no decision ", 0) == 0);
}

TEST_CASE("an operator's message keeps file names and drops directories",
          "[status]") {
  std::string m = OperatorMessage(absl::InvalidArgumentError(
      "policy from /var/lib/portcullis/gate.policy does not compile: "
      "line 2: expected a tool name (see a/b)"));
  CHECK(m ==
        "policy from gate.policy does not compile: line 2: expected a tool "
        "name (see a/b)");
  CHECK(OperatorMessage(absl::NotFoundError("cannot read /srv/x/p.policy"))
            .find("/srv") == std::string::npos);
  CHECK(OperatorMessage(absl::OkStatus()).empty());
  CHECK(OperatorMessage(absl::InvalidArgumentError(std::string(5000, 'e')))
            .size() <= kMaxStatusMessageBytes);
}

}  // namespace
}  // namespace portcullis::server
