// Shared limit counters (issue 20): what a charge costs on Redis
// (shared_state/), against the in-process store a gate on its own uses,
// with a bare PING round trip through the same connection as the floor.
//
//   build/bench/counter_store_bench --benchmark_min_time=2
//
// It starts its own redis-server (tests/testing/redis_server.h) on a
// loopback port, without persistence: the figures are a round trip on one
// machine plus the script's work, not a network.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gate/counter_store.h"
#include "shared_state/redis_counter_store.h"
#include "tests/testing/redis_server.h"

namespace portcullis::bench {
namespace {

using gate::ChargeBatch;
using policy::Decimal;
using policy::UsageCeiling;
using policy::UsageCharge;

testing::RedisServer* redis = nullptr;
const absl::Time kStart = absl::FromUnixSeconds(1767528000);

std::unique_ptr<shared_state::RedisCounterStore> Store() {
  shared_state::RedisCounterStoreOptions options;
  options.address = redis->address();
  options.key_prefix = "bench:";
  auto store = shared_state::RedisCounterStore::Create(options);
  if (!store.ok()) std::abort();
  return *std::move(store);
}

UsageCharge Rate(std::string counter, int64_t max) {
  return UsageCharge{
      .counter = std::move(counter),
      .window = absl::Hours(1),
      .amount = std::nullopt,
      .ceiling = UsageCeiling{
          Decimal::FromInteger(max), {"rate", "", ""}, "too many", ""}};
}

UsageCharge Spend(std::string counter, const char* amount, const char* max) {
  return UsageCharge{
      .counter = std::move(counter),
      .window = absl::Hours(1),
      .amount = Decimal::Parse(amount).value(),
      .ceiling = UsageCeiling{
          Decimal::Parse(max).value(), {"spend", "", ""}, "too much", "USD"}};
}

// A rate limit and a spend limit, as one allowed decision charges them.
ChargeBatch Decision(const std::string& id, int64_t i) {
  return ChargeBatch{
      .tenant = "acme",
      .id = id,
      .at = kStart + absl::Microseconds(i),
      .charges = {Rate("acme/refunds/agent=bot", 1'000'000'000),
                  Spend("acme/spend/agent=bot", "12.34", "1000000000")}};
}

void BM_InProcessCharge(benchmark::State& state) {
  gate::InProcessCounterStore store;
  int64_t i = 0;
  for (auto _ : state) {
    auto outcome = store.Charge(Decision(absl::StrCat("r/", i), i));
    benchmark::DoNotOptimize(outcome);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InProcessCharge);

// The floor: one PING through the store's connection and mutex.
void BM_RedisPingFloor(benchmark::State& state) {
  auto store = Store();
  for (auto _ : state) {
    if (!store->Ping().ok()) state.SkipWithError("ping failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RedisPingFloor)->UseRealTime();

// A decision's two charges, charged (the counters grow by one event each
// per iteration; a rate counter is counted with ZCOUNT).
void BM_RedisCharge(benchmark::State& state) {
  static std::unique_ptr<shared_state::RedisCounterStore> shared;
  if (state.thread_index() == 0) {
    redis->Command({"FLUSHALL"});
    shared = Store();
  }
  int64_t i = 0;
  std::string prefix = absl::StrCat("t", state.thread_index(), "/");
  for (auto _ : state) {
    auto outcome = shared->Charge(Decision(absl::StrCat(prefix, i), i));
    if (!outcome.ok() || !outcome->charged) state.SkipWithError("refused");
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RedisCharge)->UseRealTime()->ThreadRange(1, 4);

// A rate limit's charge alone (the counter grows by one event per
// iteration): what a decision under a rate limit only costs.
void BM_RedisRateCharge(benchmark::State& state) {
  redis->Command({"FLUSHALL"});
  auto store = Store();
  int64_t i = 0;
  for (auto _ : state) {
    auto outcome = store->Charge(ChargeBatch{
        .tenant = "acme",
        .id = absl::StrCat("r/", i),
        .at = kStart + absl::Microseconds(i),
        .charges = {Rate("acme/refunds/agent=bot", 1'000'000'000)}});
    if (!outcome.ok() || !outcome->charged) state.SkipWithError("refused");
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RedisRateCharge)->UseRealTime();

// A spend ceiling checked against N events in the window (the script sums
// their amounts exactly), refused so that N stays N.
void BM_RedisSpendSum(benchmark::State& state) {
  redis->Command({"FLUSHALL"});
  auto store = Store();
  for (int64_t i = 0; i < state.range(0); ++i) {
    ChargeBatch fill{.tenant = "acme",
                     .id = absl::StrCat("fill/", i),
                     .at = kStart,
                     .charges = {Spend("acme/sum", "0.01", "1000000")}};
    if (!store->Charge(fill).ok()) std::abort();
  }
  ChargeBatch over{.tenant = "acme",
                   .id = "over",
                   .at = kStart + absl::Seconds(1),
                   .charges = {Spend("acme/sum", "1000000", "1000000")}};
  for (auto _ : state) {
    auto outcome = store->Charge(over);
    if (!outcome.ok() || outcome->charged) state.SkipWithError("charged");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RedisSpendSum)->UseRealTime()->Arg(10)->Arg(1000)->Arg(10000);

}  // namespace
}  // namespace portcullis::bench

int main(int argc, char** argv) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  portcullis::testing::RedisServer server;
  if (!server.ready()) {
    std::fprintf(stderr, "counter_store_bench: redis-server did not start\n%s",
                 server.log().c_str());
    return 1;
  }
  portcullis::bench::redis = &server;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
