// Ledger throughput: durable appends with 1, 16 and 64 concurrent writers
// (group commit, synced write-ahead log, sealed payloads, signed
// checkpoints every 1000 entries: the production settings), and offline
// verification speed (chains, payload digests, Merkle tree, checkpoints).
//
//   build/bench/ledger_bench --benchmark_min_time=3
//
// The floors, for scale: BM_StoreFloor is the store alone written the way
// group commit writes it, BM_VerifyHashingFloor the per-entry hashing.
// Each run uses a fresh RocksDB in a temporary directory under $TMPDIR.
// Figures and the machine they came from: docs/performance.md, "Ledger".
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "crypto/aead.h"
#include "crypto/ed25519.h"
#include "crypto/master_key_file.h"
#include "ledger/internal/keys.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/payload_keyring.h"
#include "ledger/rocksdb_store.h"
#include "ledger/verifier.h"

namespace portcullis::bench {
namespace {

std::string TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base != nullptr ? base : "/tmp") + "/ledger-bench-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

// A ledger as the daemon opens it.
struct BenchLedger {
  std::string dir = TempDir();
  crypto::SigningKey key = crypto::SigningKey::Generate();
  RealClock clock;
  std::unique_ptr<ledger::Ledger> ledger;

  explicit BenchLedger(bool sync = true, int seal_threads = -1,
                       int answer_threads = -1, bool lead_in_place = true,
                       bool seal_by_callers = true) {
    auto store = ledger::RocksDbStore::Open(dir + "/db", {});
    if (!store.ok()) std::abort();
    ledger::LedgerOptions options;
    options.sync = sync;
    options.checkpoints.key = &key;
    options.checkpoints.every_entries = 1000;
    options.clock = &clock;
    auto masters = std::make_shared<std::vector<crypto::MasterKey>>();
    auto master = crypto::SecureBytes::CopyOf(std::string(32, 'm'));
    std::string id = crypto::MasterKeyId(master);
    masters->push_back({id, std::move(master)});
    options.master_keys = masters;
    options.seal_threads = seal_threads;
    options.answer_threads = answer_threads;
    options.lead_in_place = lead_in_place;
    options.seal_by_callers = seal_by_callers;
    auto opened = ledger::Ledger::Open(std::move(*store), options);
    if (!opened.ok()) std::abort();
    ledger = std::move(*opened);
  }
  ~BenchLedger() {
    ledger.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

// A decision-sized entry (the payload of a typical EvaluationRecord), for
// one of `tenants` tenants.
ledger::EntryDraft Draft(int thread, const Clock& clock, int tenants = 4) {
  ledger::EntryDraft d;
  d.tenant = "tenant-" + std::to_string(thread % tenants);
  d.time = clock.Now();
  d.kind = "action.evaluated";
  d.decision_id = std::string(32, 'a');
  d.action_digest = std::string(32, 'd');
  d.payload = std::string(400, 'p');
  return d;
}

BenchLedger* shared = nullptr;

// One append per iteration from each benchmark thread, to a ledger shared
// by them all.
// The commit path's serial time per entry over a run (issue 22, part 1:
// at most 5 µs), the store's write time per group, and entries per group,
// from the ledger's CommitStats.
void ReportSerialTime(benchmark::State& state, const ledger::Ledger& ledger) {
  const ledger::Ledger::CommitStats stats = ledger.commit_stats();
  if (stats.entries == 0 || stats.groups == 0) return;
  state.counters["serial_us_per_entry"] =
      absl::ToDoubleMicroseconds(stats.serial) / stats.entries;
  state.counters["serial_cpu_us_per_entry"] =
      absl::ToDoubleMicroseconds(stats.serial_cpu) / stats.entries;
  state.counters["write_us_per_group"] =
      absl::ToDoubleMicroseconds(stats.write) / stats.groups;
  state.counters["entries_per_group"] =
      static_cast<double>(stats.entries) / stats.groups;
  state.counters["groups_answered_aside"] =
      static_cast<double>(stats.answered_aside) / stats.groups;
  state.counters["groups_led_in_place"] =
      static_cast<double>(stats.led_in_place) / stats.groups;
  state.counters["sealed_by_callers"] =
      static_cast<double>(stats.sealed_by_callers) / stats.entries;
}

// Each iteration's wall time, for a p50 beside the benchmark's mean: a
// synced write's mean is led by the disk's slow syncs (issue 22, part 5
// compares p50s with portcullis_fsync_probe's).
class Latencies {
 public:
  void Start() { start_ = std::chrono::steady_clock::now(); }
  void Stop() {
    us_.push_back(std::chrono::duration<double, std::micro>(
                      std::chrono::steady_clock::now() - start_)
                      .count());
  }
  void Report(benchmark::State& state) {
    if (us_.empty()) return;
    std::sort(us_.begin(), us_.end());
    state.counters["p50_us"] = us_[us_.size() / 2];
    state.counters["p90_us"] = us_[us_.size() * 9 / 10];
  }

 private:
  std::chrono::steady_clock::time_point start_;
  std::vector<double> us_;
};

void Appends(benchmark::State& state, bool sync) {
  if (state.thread_index() == 0) shared = new BenchLedger(sync);
  Latencies latencies;
  for (auto _ : state) {
    latencies.Start();
    auto appended =
        shared->ledger->Append({Draft(state.thread_index(), shared->clock)});
    latencies.Stop();
    if (!appended.ok()) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    if (state.threads() == 1) latencies.Report(state);
    ReportSerialTime(state, *shared->ledger);
    delete shared;
    shared = nullptr;
  }
}

void BM_DurableAppend(benchmark::State& state) { Appends(state, true); }
BENCHMARK(BM_DurableAppend)
    ->Threads(1)
    ->Threads(16)
    ->Threads(64)
    ->UseRealTime();

// Appends the way the gate's Evaluate writes them: `in_flight` at a time
// through AppendAsync from one thread, each answered by the ledger's commit
// thread, with no thread waiting per append. The appends still in flight
// when the loop ends (at most `in_flight`) are not counted. No append leads
// in place (LedgerOptions::lead_in_place): with one thread issuing them,
// each would find the queue it left empty and lead again, one sync per
// append, where the gate's callers arrive on many threads and queue.
class InFlight {
 public:
  explicit InFlight(int limit) : limit_(limit) {}
  void AwaitSlot() {
    absl::MutexLock lock(&mu_, absl::Condition(this, &InFlight::SlotFree));
    ++outstanding_;
  }
  void Done(bool ok) {
    absl::MutexLock lock(&mu_);
    --outstanding_;
    failed_ |= !ok;
  }
  bool Drain() {  // true when every append succeeded
    absl::MutexLock lock(&mu_, absl::Condition(this, &InFlight::Idle));
    return !failed_;
  }

 private:
  bool SlotFree() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return outstanding_ < limit_;
  }
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return outstanding_ == 0;
  }

  const int limit_;
  absl::Mutex mu_;
  int outstanding_ ABSL_GUARDED_BY(mu_) = 0;
  bool failed_ ABSL_GUARDED_BY(mu_) = false;
};

void BM_DurableAppendAsync(benchmark::State& state) {
  BenchLedger bench(/*sync=*/true, static_cast<int>(state.range(1)),
                    static_cast<int>(state.range(2)),
                    /*lead_in_place=*/false,
                    /*seal_by_callers=*/state.range(3) != 0);
  InFlight in_flight(static_cast<int>(state.range(0)));
  int i = 0;
  for (auto _ : state) {
    in_flight.AwaitSlot();
    bench.ledger->AppendAsync(
        {Draft(i++, bench.clock)},
        [&in_flight](absl::StatusOr<std::vector<ledger::Appended>> appended) {
          in_flight.Done(appended.ok());
        });
  }
  if (!in_flight.Drain()) state.SkipWithError("append failed");
  state.SetItemsProcessed(state.iterations());
  ReportSerialTime(state, *bench.ledger);
}
// Second argument: LedgerOptions::seal_threads (-1: the default, one per
// hardware thread beyond the first; 0: the leader seals alone). Third:
// LedgerOptions::answer_threads (-1: the default, none on two cores; 0:
// the commit thread answers). Fourth: LedgerOptions::seal_by_callers (the
// benchmark's one thread, which issues every append, seals those that
// queue behind a group). The rows with seal_by_callers:0 are the leader's
// serial work before callers sealed; the last pair is what a machine with
// cores to spare runs.
BENCHMARK(BM_DurableAppendAsync)
    ->ArgNames({"in_flight", "seal_threads", "answer_threads",
                "seal_by_callers"})
    ->Args({16, -1, -1, 1})
    ->Args({64, 0, 0, 0})
    ->Args({64, 0, 0, 1})
    ->Args({64, -1, 0, 0})
    ->Args({64, -1, 0, 1})
    ->Args({64, -1, 1, 1})
    ->Args({64, 3, 1, 1})
    ->UseRealTime();

// The same appends without the sync (ledger.durability: DURABILITY_PROCESS):
// the ledger's own CPU per append (sealing, hashing, the RocksDB write),
// with the disk out of the way.
void BM_ProcessDurableAppend(benchmark::State& state) { Appends(state, false); }
BENCHMARK(BM_ProcessDurableAppend)->Threads(1)->Threads(16)->UseRealTime();

// What sealing one decision-sized payload costs the commit path: the
// per-entry key derived from the sequence, the AEAD and the payload digest
// the entry's hash covers. Part of `serial_cpu_us_per_entry` above.
void BM_SealPayload(benchmark::State& state) {
  const std::string dir = TempDir();
  auto store = ledger::RocksDbStore::Open(dir + "/db", {});
  if (!store.ok()) std::abort();
  auto masters = std::make_shared<std::vector<crypto::MasterKey>>();
  auto master = crypto::SecureBytes::CopyOf(std::string(32, 'm'));
  std::string id = crypto::MasterKeyId(master);
  masters->push_back({id, std::move(master)});
  ledger::PayloadKeyring keyring(**store, masters);
  auto version = keyring.PrepareTenant("shop-0");
  if (!version.ok()) std::abort();
  const std::string payload(400, 'p');
  uint64_t sequence = 0;
  for (auto _ : state) {
    auto sealed = keyring.Seal("shop-0", *version, ++sequence, payload);
    if (!sealed.ok()) std::abort();
    benchmark::DoNotOptimize(ledger::PayloadDigest(*sealed));
  }
  store->reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}
BENCHMARK(BM_SealPayload);

// One payload nonce drawn from the CSPRNG: alone (a getrandom per seal, as
// before) or as one of a group's batch (crypto::NonceBatch, one call per
// group), by batch size. Per nonce.
void BM_NonceDraw(benchmark::State& state) {
  const size_t batch = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    crypto::NonceBatch nonces(batch);
    for (size_t i = 0; i < batch; ++i) benchmark::DoNotOptimize(nonces.Take());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_NonceDraw)->ArgName("batch")->Arg(1)->Arg(64);

// The floor under BM_DurableAppend: one synced RocksDB batch per
// iteration, as the group commit leader writes, of `group` entries with
// only the three keys no entry can do without (entry, payload, decision
// index) at their real sizes, and none of the ledger's work (sealing,
// hashing, the tree, queueing and waking writers). 64 writers make groups
// of about 40.
void BM_StoreFloor(benchmark::State& state) {
  const int group = static_cast<int>(state.range(0));
  const std::string dir = TempDir();
  {
    auto store = ledger::RocksDbStore::Open(dir + "/db", {});
    if (!store.ok()) std::abort();
    const std::string entry(250, 'e');
    const std::string payload(1 + 4 + 32 + 24 + 400 + 16, 'p');
    const std::string tenants[] = {"tenant-0", "tenant-1", "tenant-2",
                                   "tenant-3"};
    uint64_t sequences[4] = {};
    std::mt19937_64 random(42);
    std::string decision(32, '0');
    int next = 0;
    for (auto _ : state) {
      ledger::WriteBatch batch;
      for (int i = 0; i < group; ++i, next = (next + 1) % 4) {
        const std::string& tenant = tenants[next];
        uint64_t sequence = ++sequences[next];
        for (char& c : decision) c = "0123456789abcdef"[random() % 16];
        batch.Put(ledger::ledger_internal::EntryKey(tenant, sequence), entry);
        batch.Put(ledger::ledger_internal::PayloadKey(tenant, sequence),
                  payload);
        batch.Put(
            ledger::ledger_internal::DecisionKey(tenant, decision, sequence),
            "");
      }
      if (!(*store)->Write(batch, /*sync=*/true).ok()) {
        state.SkipWithError("write failed");
      }
    }
    state.SetItemsProcessed(state.iterations() * group);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}
BENCHMARK(BM_StoreFloor)->Arg(1)->Arg(40)->Arg(64)->UseRealTime();

// One synced RocksDB write of `keys` keys, one decision's worth of bytes
// (about 750) spread over them, with the p50: what RocksDB adds to the
// disk's own sync for one lone decision (compare portcullis_fsync_probe's
// p50 in the same moment), and what each further key costs.
void BM_SyncedWrite(benchmark::State& state) {
  const int keys = static_cast<int>(state.range(0));
  const std::string dir = TempDir();
  {
    auto store = ledger::RocksDbStore::Open(dir + "/db", {});
    if (!store.ok()) std::abort();
    const std::string value(750 / keys, 'v');
    uint64_t sequence = 0;
    Latencies latencies;
    for (auto _ : state) {
      ++sequence;
      ledger::WriteBatch batch;
      for (int k = 0; k < keys; ++k) {
        batch.Put(ledger::ledger_internal::EntryKey(
                      "tenant-" + std::to_string(k), sequence),
                  value);
      }
      latencies.Start();
      if (!(*store)->Write(batch, /*sync=*/true).ok()) {
        state.SkipWithError("write failed");
      }
      latencies.Stop();
    }
    latencies.Report(state);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}
BENCHMARK(BM_SyncedWrite)->Arg(1)->Arg(3)->Arg(6)->UseRealTime();

// Verifies `entries` entries spread over `tenants` tenants (the verifier
// takes tenants two at a time, one per core).
void BM_Verify(benchmark::State& state) {
  const int entries = static_cast<int>(state.range(0));
  const int tenants = static_cast<int>(state.range(1));
  const int threads = static_cast<int>(state.range(2));
  BenchLedger bench(/*sync=*/false);
  for (int done = 0; done < entries;) {
    std::vector<ledger::EntryDraft> batch;
    for (int i = 0; i < 1000 && done < entries; ++i, ++done) {
      batch.push_back(Draft(done, bench.clock, tenants));
    }
    if (!bench.ledger->Append(std::move(batch)).ok()) std::abort();
  }
  crypto::VerifyingKey key = bench.key.verifying_key();
  for (auto _ : state) {
    ledger::VerifyOptions options;
    options.key = &key;
    options.threads = threads;
    auto report = ledger::VerifyLedger(bench.ledger->store(), options);
    if (!report.ok() || !report->clean()) state.SkipWithError("not clean");
    if (report.ok() && report->entries != static_cast<uint64_t>(entries)) {
      state.SkipWithError("not every entry was verified");
    }
  }
  state.SetItemsProcessed(state.iterations() * entries);
}
// Real time: the verifier works on more threads than the benchmark's own.
// Arguments: entries, tenants, threads (0: one per core). The sweep over
// threads shows how one tenant's verification scales with cores; past the
// machine's core count it shows only that more threads do no harm.
void VerifyArgs(benchmark::internal::Benchmark* b) {
  const int cores =
      std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  for (int threads = 1; threads <= std::max(2, cores); threads *= 2) {
    b->Args({200000, 1, threads});
  }
  b->Args({200000, 4, 0});
}
BENCHMARK(BM_Verify)
    ->Apply(VerifyArgs)
    ->ArgNames({"entries", "tenants", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The hashing every verified entry needs, without storage: its chain hash,
// its payload digest, its Merkle leaf and (amortized) one Merkle node. The
// floor under BM_Verify on one core.
void BM_VerifyHashingFloor(benchmark::State& state) {
  ledger::Entry e;
  e.sequence = 42;
  e.tenant = "tenant-1";
  e.kind = "action.evaluated";
  e.decision_id = std::string(32, 'a');
  e.action_digest = std::string(32, 'd');
  std::string stored(1 + 4 + 32 + 24 + 400 + 16, 's');
  for (auto _ : state) {
    e.payload_digest = ledger::PayloadDigest(stored);
    crypto::Digest hash = ledger::ComputeEntryHash(e);
    crypto::Digest leaf = ledger::MerkleLeafHash(hash);
    benchmark::DoNotOptimize(ledger::MerkleNodeHash(leaf, hash));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyHashingFloor);

}  // namespace
}  // namespace portcullis::bench

int main(int argc, char** argv) {
  // As portcullisd runs: without Abseil's Mutex deadlock detector, which
  // Debian's build leaves on (daemon/main.cc).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
