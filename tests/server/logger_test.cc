#include "daemon/logger.h"

#include <google/protobuf/util/json_util.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "portcullis/config/v1/log_line.pb.h"
#include "tests/testing/fake_clock.h"

namespace portcullis::server {
namespace {

config::v1::LogLine ParseLine(const std::string& text) {
  REQUIRE(!text.empty());
  REQUIRE(text.back() == '\n');
  REQUIRE(text.find('\n') == text.size() - 1);  // exactly one line
  config::v1::LogLine line;
  REQUIRE(google::protobuf::util::JsonStringToMessage(
              text.substr(0, text.size() - 1), &line)
              .ok());
  return line;
}

TEST_CASE("a text line holds time, level, message and the context given",
          "[logs]") {
  testing::FakeClock clock;
  std::ostringstream out;
  daemon::Logger log(clock, out);
  log.Warn("ledger refused", {.tenant = "shop", .decision_id = "d1"});
  CHECK(out.str() == absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", clock.Now(),
                                      absl::UTCTimeZone()) +
                         " WARN ledger refused tenant=shop decision_id=d1\n");
}

TEST_CASE("a JSON line is one object with the context that is present",
          "[logs]") {
  testing::FakeClock clock;
  std::ostringstream out;
  daemon::Logger log(clock, out, daemon::LogFormat::kJson);
  log.Error("it broke", {.request_id = "r-1", .tenant = "shop"});
  config::v1::LogLine line = ParseLine(out.str());
  CHECK(line.level() == "ERROR");
  CHECK(line.msg() == "it broke");
  CHECK(line.request_id() == "r-1");
  CHECK(line.tenant() == "shop");
  CHECK(line.decision_id().empty());
  CHECK(out.str().find("decision_id") == std::string::npos);
  CHECK(line.time() == absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", clock.Now(),
                                        absl::UTCTimeZone()));
}

TEST_CASE("quotes, backslashes, newlines and control bytes stay in one line",
          "[logs]") {
  testing::FakeClock clock;
  std::ostringstream out;
  daemon::Logger log(clock, out, daemon::LogFormat::kJson);
  const std::string message =
      "a \"quoted\" \\path\\\nsecond line\t\x01\x1f end";
  log.Info(message);
  CHECK(ParseLine(out.str()).msg() == message);
}

TEST_CASE("bytes that are not UTF-8 become '?' and the line stays whole",
          "[logs]") {
  testing::FakeClock clock;
  std::ostringstream out;
  daemon::Logger log(clock, out, daemon::LogFormat::kJson);
  log.Info("bad bytes \xff\xfe here, \xc3\xa9 kept", {.tenant = "t\x80"});
  config::v1::LogLine line = ParseLine(out.str());
  CHECK(line.msg() == "bad bytes ?? here, \xc3\xa9 kept");
  CHECK(line.tenant() == "t?");
}

TEST_CASE("the format switches for later lines", "[logs]") {
  testing::FakeClock clock;
  std::ostringstream out;
  daemon::Logger log(clock, out);
  log.Info("text");
  log.SetFormat(daemon::LogFormat::kJson);
  log.Info("json");
  std::string text = out.str();
  CHECK(text.find(" INFO text\n{\"time\":") != std::string::npos);
}

TEST_CASE("log formats are named text or json", "[logs]") {
  CHECK(*daemon::ParseLogFormat("") == daemon::LogFormat::kText);
  CHECK(*daemon::ParseLogFormat("text") == daemon::LogFormat::kText);
  CHECK(*daemon::ParseLogFormat("json") == daemon::LogFormat::kJson);
  CHECK(absl::IsInvalidArgument(daemon::ParseLogFormat("JSON").status()));
}

}  // namespace
}  // namespace portcullis::server
