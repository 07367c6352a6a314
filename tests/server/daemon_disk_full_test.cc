// The daemon on a disk that fills for real (a small tmpfs, so root is
// needed; elsewhere each case says it was skipped): health turns
// NOT_SERVING within a second of the first refused write and SERVING again
// within a few seconds of space returning, with no restart; a start on a
// full disk is refused with a message saying how much is free.
#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "config/config_loader.h"
#include "daemon/daemon.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/small_disk.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::server {
namespace {

constexpr char kPolicy[] = R"(
policy "shop" version "1"
tenant "shop" {
  tool reply_customer {
    class read
    arg text: string
    rule replies "answering customers is fine"
      allow
  }
}
)";

struct Fixture {
  testing::SmallDisk disk{"24m"};
  testing::TempDir dir;
  testing::FakeClock clock;
  std::ostringstream log_text;
  daemon::Logger log{clock, log_text};
  config::v1::GateConfig config;

  Fixture() {
    std::ofstream(dir.Sub("shop.policy")) << kPolicy;
    std::ofstream(dir.Sub("gate.yaml")) << "policy: shop.policy\n"
                                           "dataDir: "
                                        << disk.Sub("data")
                                        << "\n"
                                           "listen:\n"
                                           "  tcpAddress: 127.0.0.1:0\n"
                                           "  disableUnixSocket: true\n"
                                           "ledger:\n"
                                           "  minFreeMib: 4\n";
    auto loaded = config::LoadConfigFile(dir.Sub("gate.yaml"));
    REQUIRE(loaded.ok());
    config = *loaded;
  }
};

policy::Action Reply(int i) {
  policy::Action action;
  action.tenant = "shop";
  action.agent = "bot";
  action.tool = "reply_customer";
  action.arguments["text"] = policy::Value{std::string(512, 'r')};
  action.context.request_id = "req-" + std::to_string(i);
  return action;
}

// Polls `done` every millisecond for at most `bound`; returns how long it
// took, or nullopt when it never held.
template <typename F>
std::optional<absl::Duration> Within(absl::Duration bound, F done) {
  const absl::Time start = absl::Now();
  while (absl::Now() - start < bound) {
    if (done()) return absl::Now() - start;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return std::nullopt;
}

TEST_CASE(
    "a full disk turns health NOT_SERVING within a second, and SERVING "
    "again once space is freed, without a restart",
    "[daemon][disk_full]") {
  Fixture f;
  if (!f.disk.mounted()) {
    WARN("skipped: mounting a tmpfs needs root");
    return;
  }
  auto started = daemon::Daemon::Start(f.config, f.clock, f.log);
  INFO(f.log_text.str());
  REQUIRE(started.ok());
  daemon::Daemon& daemon = **started;
  REQUIRE(daemon.serving());

  // Load: decisions on two threads until the disk refuses one.
  std::atomic<bool> refused{false};
  absl::Notification first_refusal;
  absl::Time refused_time;
  absl::Mutex error_mu;
  std::string first_error;
  std::vector<std::thread> load;
  for (int t = 0; t < 2; ++t) {
    load.emplace_back([&, t] {
      for (int i = t; i < 200000 && !refused; i += 2) {
        auto d = daemon.gate().Evaluate(Reply(i), {"test"});
        if (!d.ok() && !absl::IsUnavailable(d.status())) {
          absl::MutexLock lock(&error_mu);
          first_error = std::string(d.status().message());
          refused = true;
        }
        if (!d.ok() && absl::IsUnavailable(d.status()) &&
            !refused.exchange(true)) {
          refused_time = absl::Now();
          first_refusal.Notify();
        }
      }
    });
  }
  f.disk.Fill();
  for (std::thread& t : load) t.join();
  INFO(first_error);
  REQUIRE(first_refusal.HasBeenNotified());
  auto not_serving = Within(absl::Seconds(1) - (absl::Now() - refused_time),
                            [&] { return !daemon.serving(); });
  REQUIRE(not_serving.has_value());
  CHECK(f.log_text.str().find("the ledger cannot write") != std::string::npos);
  CHECK(absl::IsUnavailable(
      daemon.gate().Evaluate(Reply(-1), {"test"}).status()));

  f.disk.Free();
  auto serving = Within(absl::Seconds(5), [&] { return daemon.serving(); });
  REQUIRE(serving.has_value());
  CHECK(f.log_text.str().find("the ledger writes again") != std::string::npos);
  CHECK(daemon.gate().Evaluate(Reply(-2), {"test"}).ok());
}

TEST_CASE("a gate started on a full disk is refused, saying how much is free",
          "[daemon][disk_full]") {
  Fixture f;
  if (!f.disk.mounted()) {
    WARN("skipped: mounting a tmpfs needs root");
    return;
  }
  { REQUIRE(daemon::Daemon::Start(f.config, f.clock, f.log).ok()); }
  f.disk.Fill();
  auto refused = daemon::Daemon::Start(f.config, f.clock, f.log);
  REQUIRE(absl::IsUnavailable(refused.status()));
  CHECK(refused.status().message().find("KiB free") != std::string::npos);
  CHECK(refused.status().message().find("minFreeMib") != std::string::npos);
  f.disk.Free();
  CHECK(daemon::Daemon::Start(f.config, f.clock, f.log).ok());
}

}  // namespace
}  // namespace portcullis::server
