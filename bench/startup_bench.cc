// Restart time against ledger size (issue 15, item 4): how long a gate
// takes from opening its data directory to having rebuilt its state
// (limit counters, pending approvals, idempotency keys), with and without
// the state snapshots written with checkpoints.
//
// Two steps, each its own process so that the second starts cold in
// memory (the operating system's page cache stays warm):
//
//   startup_bench --dir=/tmp/big --build --entries=10000000
//   startup_bench --dir=/tmp/big --append_tail=999     # a tail to replay
//   startup_bench --dir=/tmp/big --measure            # with its snapshots
//   startup_bench --dir=/tmp/big --measure --drop_snapshots  # full replay
//
// (bench/startup.sh runs the three and prints the figures.)
//
// --build writes the ledger directly through ledger::Ledger (no gRPC, no
// policy: the records a gate writes, encoded by its codec), in batches,
// unsynced, signing a checkpoint every 1,000 entries of a tenant as the
// gate does by default, with the gate's StateSnapshotter listening (a
// snapshot per checkpoint, the default). Each tenant's history is a cycle
// of 100 entries spread evenly over --days ending now: 75 allowed actions
// (a 1 h rate charge per agent, a 24 h spend charge per customer), 3
// denied, 5 waiting for approval, 8 executions with idempotency keys, and
// 5 resolutions of the oldest waiting requests once more than
// --open_pending wait (4 granted with their charges, 1 expired) — the
// state a busy commerce tenant leaves behind.
//
// --measure times what portcullisd does before it serves: open RocksDB,
// open the ledger (head and checkpoint checks, every entry after the
// latest checkpoint recomputed), construct the gate and Recover (load and
// check each tenant's snapshot, replay the tail after it, load the
// pending requests). --drop_snapshots deletes the stored snapshots first,
// so the gate replays every entry within its recovery windows (the
// behaviour before snapshots). --check also rebuilds each tenant by a full
// replay and requires the same state.
//
// --snapshot_cost (after --build) times one snapshot write per tenant: the
// fold of the entries since the last one, the trim, encoding and the put.
#include <sys/resource.h>

#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "base/clock.h"
#include "base/thread_cpu_time.h"
#include "codec/proto_record_codec.h"
#include "crypto/ed25519.h"
#include "gate/approvers.h"
#include "gate/gate.h"
#include "gate/internal/recovery.h"
#include "gate/internal/state_snapshotter.h"
#include "gate/internal/tenant_book.h"
#include "ledger/checkpoint_files.h"
#include "ledger/internal/keys.h"
#include "ledger/ledger.h"
#include "ledger/rocksdb_store.h"

ABSL_FLAG(std::string, dir, "", "The ledger's data directory.");
ABSL_FLAG(bool, build, false, "Write a ledger of --entries into --dir.");
ABSL_FLAG(bool, measure, false, "Time start-up on --dir.");
ABSL_FLAG(bool, drop_snapshots, false,
          "--measure: delete the stored state snapshots first.");
ABSL_FLAG(bool, check, false,
          "--measure: require the state a full replay rebuilds.");
ABSL_FLAG(bool, snapshot_cost, false,
          "Time one snapshot write per tenant on --dir.");
ABSL_FLAG(int64_t, entries, 1000000, "--build: entries in all.");
ABSL_FLAG(int, tenants, 4, "--build: tenants the entries are spread over.");
ABSL_FLAG(int, days, 90, "--build: the history's span, ending now.");
ABSL_FLAG(int, open_pending, 50,
          "--build: requests left waiting per tenant at the end.");
ABSL_FLAG(int, snapshot_every_checkpoints, 1,
          "--build: the gate's snapshot cadence (0: no snapshots).");
ABSL_FLAG(int, batch, 500, "--build: entries per append.");
ABSL_FLAG(int, append_tail, 0,
          "Append this many entries per tenant on --dir, with no snapshot "
          "(999: the longest tail a start-up replays with the default "
          "checkpoint interval).");

namespace portcullis {
namespace {

using gate::Decision;
using policy::Outcome;

// The gate key (a fixed seed: the ledger is reopened by a second process).
crypto::SigningKey BenchKey() {
  return *crypto::SigningKey::FromSeed(std::string(32, '\x42'));
}

// The build's time: the entry being written.
class SettableClock final : public Clock {
 public:
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ = absl::Now();
};

gate::RecoveryWindows Windows(const gate::GateOptions& o) {
  return gate::RecoveryWindowsOf(o);
}

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

// CPU time of the whole process (RocksDB's background flushes and
// compactions included).
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPU time of the calling thread: start-up runs on one thread, so this is
// what it costs, without the background work RocksDB starts beside it.
double ThreadCpuSeconds() { return absl::ToDoubleSeconds(ThreadCpuTime()); }

absl::StatusOr<std::unique_ptr<ledger::Ledger>> OpenLedger(
    const std::string& dir, const crypto::SigningKey& key, const Clock& clock,
    const ledger::CheckpointFiles& kept, bool sync, bool drop_snapshots,
    absl::Duration* store_open, double* store_cpu = nullptr) {
  const double cpu0 = ThreadCpuSeconds();
  absl::Time t0 = absl::Now();
  auto store = ledger::RocksDbStore::Open(dir, {});
  if (!store.ok()) return store.status();
  if (drop_snapshots) {
    ledger::WriteBatch batch;
    const std::string tag(1, ledger::ledger_internal::kSnapshotTag);
    batch.DeleteRange(tag, ledger::ledger_internal::PrefixEnd(tag));
    if (absl::Status s = (*store)->Write(batch, true); !s.ok()) return s;
  }
  if (store_open != nullptr) *store_open = absl::Now() - t0;
  if (store_cpu != nullptr) *store_cpu = ThreadCpuSeconds() - cpu0;
  ledger::LedgerOptions options;  // as portcullisd's defaults
  options.sync = sync;
  options.checkpoints.key = &key;
  options.clock = &clock;
  options.checkpoint_files = &kept;
  return ledger::Ledger::Open(*std::move(store), options);
}

// One tenant's history being written.
class TenantWriter {
 public:
  TenantWriter(std::string tenant, int index, const gate::RecordCodec& codec,
               const crypto::SigningKey& key, int open_pending)
      : tenant_(std::move(tenant)),
        index_(index),
        codec_(codec),
        key_(key),
        open_pending_(open_pending) {}

  ledger::EntryDraft Next(absl::Time at) {
    const uint64_t i = n_++;
    const int k = static_cast<int>(i % 100);
    if (k < 3) return Evaluated(i, at, Outcome::kDeny);
    if (k < 8) return Evaluated(i, at, Outcome::kPendingApproval);
    if (k < 13 && static_cast<int>(waiting_.size()) > open_pending_) {
      return Resolved(at, k < 12);
    }
    if (k < 21 && !allowed_.empty()) return Executed(i, at);
    return Evaluated(i, at, Outcome::kAllow);
  }

 private:
  std::string Id(uint64_t i) const {
    return absl::StrFormat("%08x%024x", index_, i);
  }

  policy::Action ActionOf(uint64_t i, absl::string_view tool) const {
    policy::Action a;
    a.tenant = tenant_;
    a.agent = absl::StrCat("agent-", i % 20);
    a.tool = std::string(tool);
    a.arguments["customer_id"].v = absl::StrCat("cust-", i % 500);
    a.arguments["order_id"].v = absl::StrFormat("AN-%06d", i % 1000000);
    a.context.request_id = absl::StrCat("req-", i);
    return a;
  }

  std::vector<policy::UsageCharge> Charges(uint64_t i) const {
    return {{absl::StrCat("agent-rate/agent-", i % 20), absl::Hours(1),
             std::nullopt},
            {absl::StrCat("coupon-spend/cust-", i % 500), absl::Hours(24),
             policy::Decimal::FromInteger(static_cast<int64_t>(i % 50))}};
  }

  Decision DecisionOf(uint64_t i, absl::Time at, Outcome outcome) const {
    Decision d;
    d.id = Id(i);
    d.tenant = tenant_;
    d.verdict.outcome = outcome;
    d.verdict.decided_by = {{"coupons", "coupons within the limits are fine"}};
    d.verdict.reasons = {"coupons within the limits are fine"};
    d.policy_version = "v1";
    d.policy_hash = std::string(64, 'a');
    d.action_digest = crypto::Blake2b256(d.id);
    d.decided_at = at;
    if (outcome == Outcome::kAllow) {
      d.verdict.charges = Charges(i);
      d.expires_at = at + absl::Minutes(10);
    } else if (outcome == Outcome::kPendingApproval) {
      d.verdict.approvals = {{"refunds", {"owner"}, 1, absl::Hours(24), {}}};
      d.verdict.charges = Charges(i);
      d.expires_at = at + absl::Hours(24);
    }
    return d;
  }

  ledger::EntryDraft Draft(absl::Time at, const char* kind,
                           const std::string& decision_id,
                           const crypto::Digest& digest,
                           const gate::Record& record) const {
    ledger::EntryDraft draft;
    draft.tenant = tenant_;
    draft.time = at;
    draft.kind = kind;
    draft.decision_id = decision_id;
    draft.action_digest = std::string(crypto::AsBytes(digest));
    draft.payload = codec_.Encode(record);
    return draft;
  }

  ledger::EntryDraft Evaluated(uint64_t i, absl::Time at, Outcome outcome) {
    gate::EvaluationRecord r{
        ActionOf(i,
                 outcome == Outcome::kAllow ? "create_coupon" : "refund_order"),
        DecisionOf(i, at, outcome), "agent-token"};
    if (outcome == Outcome::kPendingApproval) waiting_.push_back(r.decision);
    if (outcome == Outcome::kAllow) {
      allowed_.push_back(r.decision);
      if (allowed_.size() > 64) allowed_.pop_front();
    }
    return Draft(at, gate::kActionEvaluated, r.decision.id,
                 r.decision.action_digest, r);
  }

  ledger::EntryDraft Resolved(absl::Time at, bool grant) {
    Decision d = std::move(waiting_.front());
    waiting_.pop_front();
    if (!grant) {
      d.verdict.outcome = Outcome::kDeny;
      d.verdict.charges.clear();
      gate::DeadlineRecord r{d, {}};
      return Draft(at, gate::kApprovalExpired, d.id, d.action_digest, r);
    }
    gate::VerdictRecord r;
    r.approval.tenant = tenant_;
    r.approval.decision_id = d.id;
    r.approval.action_digest = std::string(crypto::AsBytes(d.action_digest));
    r.approval.expires_at = at + absl::Hours(1);
    r.approval.approver_id = "alice";
    r.signature = std::string(64, 's');
    r.approver_roles = {"owner"};
    r.resolution = gate::Resolution::kGranted;
    d.verdict.outcome = Outcome::kAllow;
    d.verdict.approvals.clear();
    d.expires_at = at + absl::Minutes(10);
    r.decision = d;
    return Draft(at, gate::kApprovalGranted, d.id, d.action_digest, r);
  }

  ledger::EntryDraft Executed(uint64_t i, absl::Time at) {
    Decision d = std::move(allowed_.front());
    allowed_.pop_front();
    gate::ExecutionRecord r;
    r.receipt.tenant = tenant_;
    r.receipt.decision_id = d.id;
    r.receipt.action_digest = std::string(crypto::AsBytes(d.action_digest));
    r.receipt.tool = "create_coupon";
    r.receipt.idempotency_key = absl::StrCat("idem-", i);
    r.receipt.executed_at = at;
    gate::SignReceipt(r.receipt, key_);
    r.principal = "agent-token";
    return Draft(at, gate::kActionExecuted, d.id, d.action_digest, r);
  }

  const std::string tenant_;
  const int index_;
  const gate::RecordCodec& codec_;
  const crypto::SigningKey& key_;
  const int open_pending_;
  uint64_t n_ = 0;
  std::deque<Decision> waiting_;
  std::deque<Decision> allowed_;
};

int Build(const std::string& dir) {
  const int64_t total = absl::GetFlag(FLAGS_entries);
  const int tenants = absl::GetFlag(FLAGS_tenants);
  const int batch = absl::GetFlag(FLAGS_batch);
  const int every = absl::GetFlag(FLAGS_snapshot_every_checkpoints);
  const crypto::SigningKey key = BenchKey();
  const codec::ProtoRecordCodec codec;
  SettableClock clock;
  const absl::Time end = absl::Now();
  const absl::Duration span = absl::Hours(24) * absl::GetFlag(FLAGS_days);
  const absl::Duration step = span / static_cast<double>(total);
  ledger::CheckpointFiles kept(ledger::KeptCheckpointsDir(dir));
  auto ledger = OpenLedger(dir, key, clock, kept, /*sync=*/false,
                           /*drop_snapshots=*/false, nullptr);
  if (!ledger.ok()) {
    std::fprintf(stderr, "open: %s\n", ledger.status().ToString().c_str());
    return 1;
  }
  gate::StateSnapshotter snapshotter(clock, **ledger, codec,
                                     Windows(gate::GateOptions{}),
                                     every > 0 ? every : 1);
  if (every > 0) snapshotter.Start({});
  std::vector<TenantWriter> writers;
  for (int t = 0; t < tenants; ++t) {
    writers.emplace_back(absl::StrCat("shop-", t), t, codec, key,
                         absl::GetFlag(FLAGS_open_pending));
  }
  const absl::Time started = absl::Now();
  const double cpu0 = CpuSeconds();
  int64_t written = 0;
  int t = 0;
  while (written < total) {
    std::vector<ledger::EntryDraft> drafts;
    const int64_t n = std::min<int64_t>(batch, total - written);
    for (int64_t j = 0; j < n; ++j) {
      // Spread in time over the span, tenants interleaved batch by batch.
      absl::Time at = end - span + step * static_cast<double>(written + j);
      drafts.push_back(writers[t].Next(at));
    }
    clock.Set(drafts.back().time);
    auto appended = (*ledger)->Append(std::move(drafts));
    if (!appended.ok()) {
      std::fprintf(stderr, "append: %s\n",
                   appended.status().ToString().c_str());
      return 1;
    }
    written += n;
    t = (t + 1) % tenants;
    if (written % 1000000 < batch) {
      std::fprintf(stderr, "%lld entries, %.0f s\n",
                   static_cast<long long>(written),
                   Seconds(absl::Now() - started));
    }
  }
  clock.Set(absl::Now());
  snapshotter.Stop();
  const double cpu = CpuSeconds() - cpu0;
  const absl::Duration took = absl::Now() - started;
  std::printf(
      "built %lld entries over %d tenants in %.1f s (%.2f us/entry, %.1f s "
      "CPU), %llu snapshots written (snapshot_every_checkpoints %d)\n",
      static_cast<long long>(total), tenants, Seconds(took),
      Seconds(took) * 1e6 / static_cast<double>(total), cpu,
      static_cast<unsigned long long>(snapshotter.written()), every);
  return 0;
}

int AppendTail(const std::string& dir) {
  const crypto::SigningKey key = BenchKey();
  const codec::ProtoRecordCodec codec;
  RealClock clock;
  ledger::CheckpointFiles kept(ledger::KeptCheckpointsDir(dir));
  auto ledger = OpenLedger(dir, key, clock, kept, /*sync=*/false,
                           /*drop_snapshots=*/false, nullptr);
  if (!ledger.ok()) return 1;
  const int n = absl::GetFlag(FLAGS_append_tail);
  int t = 0;
  for (const std::string& tenant : (*ledger)->Tenants()) {
    // Decision ids of their own (the build's writers are 0..tenants-1).
    TenantWriter writer(tenant, 1000 + t++, codec, key,
                        absl::GetFlag(FLAGS_open_pending));
    std::vector<ledger::EntryDraft> drafts;
    for (int i = 0; i < n; ++i) drafts.push_back(writer.Next(clock.Now()));
    auto appended = (*ledger)->Append(std::move(drafts));
    if (!appended.ok()) {
      std::fprintf(stderr, "append: %s\n",
                   appended.status().ToString().c_str());
      return 1;
    }
  }
  std::printf("appended %d entries to each of %d tenants, no snapshot\n", n, t);
  return 0;
}

int Measure(const std::string& dir) {
  const crypto::SigningKey key = BenchKey();
  const codec::ProtoRecordCodec codec;
  RealClock clock;
  ledger::CheckpointFiles kept(ledger::KeptCheckpointsDir(dir));
  const double cpu0 = ThreadCpuSeconds();
  const double process0 = CpuSeconds();
  const absl::Time t0 = absl::Now();
  absl::Duration store_open;
  double store_cpu = 0;
  auto ledger =
      OpenLedger(dir, key, clock, kept, /*sync=*/true,
                 absl::GetFlag(FLAGS_drop_snapshots), &store_open, &store_cpu);
  if (!ledger.ok()) {
    std::fprintf(stderr, "open: %s\n", ledger.status().ToString().c_str());
    return 1;
  }
  const absl::Time t1 = absl::Now();
  const double cpu1 = ThreadCpuSeconds();
  gate::GateOptions options;
  auto approvers = gate::ApproverRegistry::Create({});
  gate::Gate gate(clock, **ledger, codec, key, *std::move(approvers), options);
  absl::Status recovered = gate.Recover();
  const absl::Time t2 = absl::Now();
  const double cpu = ThreadCpuSeconds() - cpu0;
  const double process = CpuSeconds() - process0;
  if (!recovered.ok()) {
    std::fprintf(stderr, "recover: %s\n", recovered.ToString().c_str());
    return 1;
  }
  uint64_t size = 0, read = 0;
  for (const std::string& tenant : (*ledger)->Tenants()) {
    size += (*ledger)->Head(tenant)->sequence;
  }
  for (const gate::TenantRecovery& r : gate.recovery()) {
    read += r.entries_read;
    std::printf("  %s: snapshot at %llu%s%s, %llu entries replayed\n",
                r.tenant.c_str(),
                static_cast<unsigned long long>(r.snapshot_sequence),
                r.snapshot_problem.empty() ? "" : ", ignored: ",
                r.snapshot_problem.c_str(),
                static_cast<unsigned long long>(r.entries_read));
  }
  if (!(*ledger)->Refusals().empty()) {
    std::fprintf(stderr, "refused: %s\n",
                 (*ledger)->Refusals()[0].reason.c_str());
    return 1;
  }
  std::printf(
      "start-up on %llu entries (%s): %.3f s = store open %.3f + ledger open "
      "%.3f + gate recovery %.3f (%llu entries replayed); start-up thread "
      "CPU %.3f s = %.3f + %.3f + %.3f; process CPU %.3f s\n",
      static_cast<unsigned long long>(size),
      absl::GetFlag(FLAGS_drop_snapshots) ? "snapshots dropped"
                                          : "with snapshots",
      Seconds(t2 - t0), Seconds(store_open), Seconds(t1 - t0 - store_open),
      Seconds(t2 - t1), static_cast<unsigned long long>(read), cpu, store_cpu,
      cpu1 - cpu0 - store_cpu, cpu0 + cpu - cpu1, process);
  if (!absl::GetFlag(FLAGS_check)) return 0;
  // The same state as a full replay: counters, pending requests, keys.
  gate::TenantRegistry recovered_state, full;
  const absl::Time now = clock.Now();
  if (!gate::RecoverState(**ledger, codec, now, Windows(options),
                          recovered_state)
           .ok()) {
    return 1;
  }
  int failures = 0;
  for (const std::string& tenant : (*ledger)->Tenants()) {
    auto projection =
        gate::ProjectFully(**ledger, codec, tenant, now, Windows(options));
    gate::TenantBook& f = full.Get(tenant);
    if (!projection.ok() ||
        !projection
             ->Materialize(**ledger, codec, tenant, now, Windows(options), f)
             .ok()) {
      return 1;
    }
    gate::TenantBook& r = recovered_state.Get(tenant);
    struct Sizes {
      size_t events, pending, keys;
      bool operator==(const Sizes&) const = default;
    };
    auto sizes = [](gate::TenantBook& book) {
      return book.WithLock([](const gate::TenantBook::View& s) {
        return Sizes{s.usage().events(), s.pending().size(),
                     s.executed_count()};
      });
    };
    const Sizes rs = sizes(r);
    const bool same = sizes(f) == rs;
    std::printf("  check %s: %zu usage events, %zu pending, %zu keys: %s\n",
                tenant.c_str(), rs.events, rs.pending, rs.keys,
                same ? "same" : "DIFFERENT");
    if (!same) ++failures;
  }
  return failures == 0 ? 0 : 1;
}

int SnapshotCost(const std::string& dir) {
  const crypto::SigningKey key = BenchKey();
  const codec::ProtoRecordCodec codec;
  RealClock clock;
  ledger::CheckpointFiles kept(ledger::KeptCheckpointsDir(dir));
  auto ledger = OpenLedger(dir, key, clock, kept, /*sync=*/true,
                           /*drop_snapshots=*/false, nullptr);
  if (!ledger.ok()) return 1;
  gate::GateOptions options;
  gate::TenantRegistry tenants;
  gate::RecoveryReport report;
  if (!gate::RecoverState(**ledger, codec, clock.Now(), Windows(options),
                          tenants, &report)
           .ok()) {
    return 1;
  }
  gate::StateSnapshotter snapshotter(clock, **ledger, codec, Windows(options),
                                     1);
  snapshotter.Start(std::move(report.projections));
  for (const std::string& tenant : (*ledger)->Tenants()) {
    const uint64_t head = (*ledger)->Head(tenant)->sequence;
    auto stored = (*ledger)->GetStateSnapshot(tenant);
    const uint64_t bytes =
        stored.ok() && stored->has_value() ? (*stored)->data.size() : 0;
    const absl::Time t0 = absl::Now();
    absl::Status s = snapshotter.WriteSnapshot(tenant, head);
    std::printf("  %s: snapshot write at %llu: %.1f ms (%llu bytes stored)%s\n",
                tenant.c_str(), static_cast<unsigned long long>(head),
                absl::ToDoubleMilliseconds(absl::Now() - t0),
                static_cast<unsigned long long>(bytes),
                s.ok() ? "" : s.ToString().c_str());
  }
  snapshotter.Stop();
  return 0;
}

}  // namespace
}  // namespace portcullis

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Restart time against ledger size; see the comment in "
      "bench/startup_bench.cc.");
  absl::ParseCommandLine(argc, argv);
  const std::string dir = absl::GetFlag(FLAGS_dir);
  if (dir.empty()) {
    std::fprintf(stderr, "--dir is required\n");
    return 2;
  }
  if (absl::GetFlag(FLAGS_build)) {
    if (int rc = portcullis::Build(dir); rc != 0) return rc;
  }
  if (absl::GetFlag(FLAGS_append_tail) > 0) {
    if (int rc = portcullis::AppendTail(dir); rc != 0) return rc;
  }
  if (absl::GetFlag(FLAGS_snapshot_cost)) {
    if (int rc = portcullis::SnapshotCost(dir); rc != 0) return rc;
  }
  if (absl::GetFlag(FLAGS_measure)) return portcullis::Measure(dir);
  return 0;
}
