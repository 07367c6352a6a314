#include "bench/load_options.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <limits>

#include "bench/cpu_time.h"

namespace portcullis::bench {
namespace {

LoadOptions ClosedLoopNoop() {
  LoadOptions options;
  options.target = "127.0.0.1:7575";
  options.call_name = "noop";
  options.concurrency = 4;
  options.duration = absl::Seconds(10);
  options.warmup = absl::Seconds(1);
  options.call_timeout = absl::Seconds(5);
  return options;
}

TEST_CASE("TCP and Unix socket targets are accepted", "[load_options]") {
  CHECK(ValidateTarget("127.0.0.1:7575").ok());
  CHECK(ValidateTarget("[::1]:7575").ok());
  CHECK(ValidateTarget("unix:/run/portcullis.sock").ok());
}

TEST_CASE("a target without a usable port or path is rejected",
          "[load_options]") {
  for (const char* target : {"", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536",
                             ":7575", "127.0.0.1:port", "unix:"}) {
    INFO(target);
    CHECK(ValidateTarget(target).code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("only the known calls parse", "[load_options]") {
  CHECK(*ParseCallKind("cycle") == CallKind::kCycle);
  CHECK(*ParseCallKind("evaluate-deny") == CallKind::kEvaluateDeny);
  CHECK(ParseCallKind("evaluate").status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("exactly one of concurrency and rate must be set", "[load_options]") {
  LoadOptions options = ClosedLoopNoop();
  CHECK(ValidateLoadOptions(options).ok());
  options.rate = 100;
  CHECK_FALSE(ValidateLoadOptions(options).ok());
  options.concurrency = 0;
  CHECK(ValidateLoadOptions(options).ok());
  options.rate = 0;
  CHECK_FALSE(ValidateLoadOptions(options).ok());
}

TEST_CASE("overload counting is for open loop only", "[load_options]") {
  LoadOptions options = ClosedLoopNoop();
  options.overload = true;
  auto s = ValidateLoadOptions(options);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("--overload") != std::string::npos);
  options.concurrency = 0;
  options.rate = 1000;
  CHECK(ValidateLoadOptions(options).ok());
}

TEST_CASE("out-of-range concurrency and rate are rejected", "[load_options]") {
  LoadOptions options = ClosedLoopNoop();
  options.concurrency = -1;
  CHECK_FALSE(ValidateLoadOptions(options).ok());
  options.concurrency = 0;
  for (double rate : {-5.0, std::numeric_limits<double>::quiet_NaN(),
                      std::numeric_limits<double>::infinity()}) {
    options.rate = rate;
    CHECK_FALSE(ValidateLoadOptions(options).ok());
  }
}

TEST_CASE("an Evaluate call over TCP needs a token, over a socket not",
          "[load_options]") {
  LoadOptions options = ClosedLoopNoop();
  options.call = CallKind::kEvaluateAllow;
  CHECK_FALSE(ValidateLoadOptions(options).ok());
  options.target = "unix:/run/portcullis.sock";
  CHECK(ValidateLoadOptions(options).ok());
  options.target = "127.0.0.1:7575";
  options.token = "t";
  CHECK(ValidateLoadOptions(options).ok());
}

TEST_CASE("a cycle needs its approver: id, key and token", "[load_options]") {
  LoadOptions options = ClosedLoopNoop();
  options.call = *ParseCallKind("cycle");
  options.token = "agent-token";
  options.approver_id = "alice";
  options.approver_key = "alice.key";
  options.approver_token = "approver-token";
  CHECK(ValidateLoadOptions(options).ok());
  for (std::string LoadOptions::*field :
       {&LoadOptions::approver_id, &LoadOptions::approver_key,
        &LoadOptions::approver_token}) {
    LoadOptions missing = options;
    missing.*field = "";
    absl::Status s = ValidateLoadOptions(missing);
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(s.message().find("approver") != std::string::npos);
  }
  // Over the Unix socket too: the agent's uid may not approve its own.
  options.target = "unix:/run/portcullis.sock";
  options.approver_token = "";
  CHECK_FALSE(ValidateLoadOptions(options).ok());
}

TEST_CASE("the tenants option spreads evaluate-allow only, within range",
          "[load_options]") {
  LoadOptions options = ClosedLoopNoop();
  options.call = CallKind::kEvaluateAllow;
  options.token = "t";
  options.tenants = 100;
  CHECK(ValidateLoadOptions(options).ok());
  CHECK(BenchTenant(0) == "bench-0");
  CHECK(BenchTenant(99) == "bench-99");
  for (int bad : {-1, 10001}) {
    options.tenants = bad;
    absl::Status s = ValidateLoadOptions(options);
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(s.message().find("--tenants") != std::string::npos);
  }
  options.tenants = 2;
  for (CallKind other : {CallKind::kNoop, CallKind::kEvaluateDeny}) {
    options.call = other;
    absl::Status s = ValidateLoadOptions(options);
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(s.message().find("--tenants") != std::string::npos);
  }
}

TEST_CASE("channels default to one per two hardware threads within 1 to 16",
          "[load_options]") {
  CHECK(ChannelsFor(0) == 1);  // unknown
  CHECK(ChannelsFor(1) == 1);
  CHECK(ChannelsFor(2) == 1);
  CHECK(ChannelsFor(16) == 8);
  CHECK(ChannelsFor(96) == 16);
  LoadOptions options = ClosedLoopNoop();
  for (int good : {0, 1, 64}) {
    options.channels = good;
    CHECK(ValidateLoadOptions(options).ok());
  }
  for (int bad : {-1, 65}) {
    options.channels = bad;
    absl::Status s = ValidateLoadOptions(options);
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(s.message().find("--channels") != std::string::npos);
  }
  options.channels = 0;
  options.server_pid = -3;
  CHECK(ValidateLoadOptions(options).message().find("--server_pid") !=
        std::string::npos);
}

TEST_CASE("a process's CPU time is read from its stat line", "[cpu_time]") {
  // The command name may hold spaces and parentheses.
  const char* line =
      "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 1000 0 0 0 "
      "250 75 0 0 20 0 9 0 100 200000000 5000";
  absl::StatusOr<long long> ticks = CpuTicksFromStat(line);
  REQUIRE(ticks.ok());
  CHECK(*ticks == 325);
  CHECK_FALSE(CpuTicksFromStat("4242 (x S 1 2").ok());
  CHECK_FALSE(CpuTicksFromStat("4242 (x) S 1 2 3").ok());
  CHECK_FALSE(CpuTicksFromStat("4242 (x) S 1 2 3 4 5 6 7 8 9 10 -1 5").ok());

  absl::StatusOr<absl::Duration> self = ProcessCpuTime(0);
  REQUIRE(self.ok());
  CHECK(*self >= absl::ZeroDuration());
  CHECK(ProcessCpuTime(::getpid()).ok());
  CHECK(ProcessCpuTime(std::numeric_limits<int>::max()).status().code() ==
        absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace portcullis::bench
