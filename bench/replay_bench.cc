// Replay speed: how many recorded actions per second `portcullis replay`
// decides again, on one core. A commerce-like policy over 20 tenants; a
// recording of 100,000 actions (coupons against a cap, business hours, a
// rate and a spend limit; replies; refunds that wait for approval, some
// granted) spread over 20 tenants and 80 minutes, in time order. The
// recorded decisions are the policy's own, so a replay changes nothing —
// the common case in CI — and every action is evaluated, counted and
// compared.
//
//   ninja -C build -j2 replay_bench && build/bench/replay_bench
//
// BM_ReplayEngine: the replay engine alone (Replayer + ReplayReport) over
// parsed actions. BM_ParseLines: parsing the JSON lines alone, as
// `portcullis replay` does (codec::ProtoJson); BM_ParseLinesUncached: with
// protobuf's JsonStringToMessage instead. BM_ReplayLines: parse + replay +
// compare, from lines in memory. BM_ReplayCommand: the whole `portcullis
// replay` command on a file, compiling the policy and printing the report
// included. BM_ReplayBinary and BM_ReplayCommandBinary: the same from a
// binary recording (length-delimited RecordedAction, *.binpb).
#include <benchmark/benchmark.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/replay_command.h"
#include "codec/replay_codec.h"
#include "gate/replay/replay_report.h"
#include "gate/replay/replayer.h"
#include "policy/compiler.h"

namespace portcullis::gate::replay {
namespace {

constexpr int kTenants = 20;
constexpr int kActions = 100000;

std::string TenantText(int t) {
  return absl::StrCat(R"(tenant "shop-)", t, R"(" {
  timezone "Asia/Riyadh"
  rule low-confidence "unsure proposals go to a person"
    approve by owner expires 4h when context.confidence < 0.8
  rule agent-rate "no agent makes more than 2000 calls an hour"
    limit 2000 per 1h per agent
  tool reply_customer {
    class read
    arg order_id: string
    arg message: string
    rule replies "answering customers is part of the job" allow
    rule reply-length "replies stay short" deny when len(args.message) > 2000
  }
  tool create_coupon {
    class write
    arg customer_id: string
    arg value: money(SAR)
    rule coupon-cap "coupons are capped at 50 SAR" deny when args.value > 50 SAR
    rule coupon-hours "coupons only in business hours"
      deny unless hours(09:00-18:00)
    rule coupon-rate "at most 1000 coupons an hour" limit 1000 per 1h
    rule coupon-spend "coupons add up to at most 200 SAR a day per customer"
      limit 200 SAR of args.value per 24h per args.customer_id
    rule coupons "coupons within the limits are fine" allow
  }
  tool refund_order {
    class write
    irreversible
    arg order_id: string
    arg amount: money(SAR)
    rule order-ids "order ids are AN- and six digits"
      deny unless args.order_id matches "AN-[0-9]{6}"
    rule refunds "refunds need the owner" approve by owner expires 24h
    rule refund-rate "at most 100 refunds an hour" limit 100 per 1h
  }
}
)");
}

std::shared_ptr<const policy::CompiledPolicy> Policy() {
  std::string text = "policy \"bench\" version \"1\"\n";
  for (int t = 0; t < kTenants; ++t) text += TenantText(t);
  policy::CompileResult result =
      policy::Compile(std::vector<policy::SourceFile>{{"bench.policy", text}});
  if (result.policy == nullptr) {
    for (const auto& d : result.errors) {
      std::fprintf(stderr, "%s\n", d.ToString().c_str());
    }
    std::abort();
  }
  return result.policy;
}

std::string PolicyText() {
  std::string text = "policy \"bench\" version \"1\"\n";
  for (int t = 0; t < kTenants; ++t) text += TenantText(t);
  return text;
}

policy::Value Money(int cents) {
  return policy::Value{
      policy::Money{*policy::Decimal::Parse(absl::StrCat(
                        cents / 100, ".", cents % 100 / 10, cents % 10)),
                    "SAR"}};
}

// The i-th action: a fixed pseudo-random mix, 50 ms apart from 10:00 in
// Riyadh on a Sunday.
RecordedAction MakeAction(int i) {
  uint32_t h = static_cast<uint32_t>(i) * 2654435761u;
  RecordedAction r;
  r.time = absl::FromUnixSeconds(1767510000) + absl::Milliseconds(50) * i;
  policy::Action& a = r.action;
  a.tenant = absl::StrCat("shop-", h % kTenants);
  a.agent = absl::StrCat("agent-", (h >> 5) % 20);
  a.context.confidence = (h >> 9) % 10 == 0 ? 0.5 : 0.95;
  a.context.request_id = absl::StrCat("req-", i);
  int kind = (h >> 13) % 10;
  if (kind < 6) {
    a.tool = "create_coupon";
    a.arguments["customer_id"] =
        policy::Value{absl::StrCat("c-", (h >> 17) % 500)};
    a.arguments["value"] = Money(500 + static_cast<int>((h >> 3) % 6000));
  } else if (kind < 9) {
    a.tool = "reply_customer";
    a.arguments["order_id"] = policy::Value{std::string("AN-104233")};
    a.arguments["message"] =
        policy::Value{std::string("Your parcel left Riyadh today.")};
  } else {
    a.tool = "refund_order";
    a.arguments["order_id"] = policy::Value{std::string("AN-104233")};
    a.arguments["amount"] = Money(12000);
  }
  return r;
}

// The recording: the actions with the policy's own decisions; every other
// pending refund was granted ten minutes later.
std::vector<RecordedAction> Recording(const policy::CompiledPolicy& policy) {
  std::vector<RecordedAction> out;
  Replayer recorder(policy);
  for (int i = 0; i < kActions; ++i) {
    RecordedAction r = MakeAction(i);
    // Every other refund's approval is granted ten minutes later, if the
    // policy holds it for approval.
    bool grant = r.action.tool == "refund_order" && i % 2 == 0;
    if (grant) {
      r.decision.outcome = ReplayOutcome::kPendingApproval;
      r.approval_granted_at = r.time + absl::Minutes(10);
    }
    ReplayedDecision d = *recorder.Replay(r);
    if (d.outcome != ReplayOutcome::kPendingApproval) {
      r.approval_granted_at.reset();
    }
    r.decision.outcome = d.outcome;
    for (const auto& rule : d.decided_by) {
      r.decision.decided_by.push_back(rule.id);
    }
    out.push_back(std::move(r));
  }
  return out;
}

struct Data {
  std::shared_ptr<const policy::CompiledPolicy> policy = Policy();
  std::vector<RecordedAction> recording = Recording(*policy);
  codec::ProtoJson json;
  std::vector<std::string> lines = [this] {
    std::vector<std::string> out;
    for (const RecordedAction& r : recording) {
      out.push_back(codec::RecordingLine(json, r));
    }
    return out;
  }();
};

const Data& Shared() {
  static const Data* data = new Data();
  return *data;
}

void BM_ReplayEngine(benchmark::State& state) {
  const Data& data = Shared();
  for (auto _ : state) {
    Replayer replayer(*data.policy);
    ReplayReport report;
    uint64_t line = 0;
    for (const RecordedAction& r : data.recording) {
      report.Add(++line, r, *replayer.Replay(r));
    }
    if (report.changed() != 0) state.SkipWithError("the replay changed");
  }
  state.SetItemsProcessed(state.iterations() * kActions);
  // The mix of recorded outcomes, as fractions.
  double deny = 0, pending = 0, granted = 0;
  for (const RecordedAction& r : data.recording) {
    deny += r.decision.outcome == ReplayOutcome::kDeny;
    pending += r.decision.outcome == ReplayOutcome::kPendingApproval;
    granted += r.approval_granted_at.has_value();
  }
  state.counters["deny"] = deny / kActions;
  state.counters["pending"] = pending / kActions;
  state.counters["granted"] = granted / kActions;
}
BENCHMARK(BM_ReplayEngine)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ParseLines(benchmark::State& state) {
  const Data& data = Shared();
  codec::ProtoJson json;
  for (auto _ : state) {
    for (const std::string& line : data.lines) {
      auto parsed = codec::ParseRecordingLine(json, line);
      benchmark::DoNotOptimize(parsed);
    }
  }
  state.SetItemsProcessed(state.iterations() * kActions);
}
BENCHMARK(BM_ParseLines)->Unit(benchmark::kMillisecond)->UseRealTime();

// Protobuf's own entry point, which rebuilds the type descriptions for
// every line: the baseline ProtoJson improves on.
void BM_ParseLinesUncached(benchmark::State& state) {
  const Data& data = Shared();
  for (auto _ : state) {
    for (const std::string& line : data.lines) {
      ::portcullis::replay::v1::RecordedAction proto;
      auto status = google::protobuf::util::JsonStringToMessage(line, &proto);
      benchmark::DoNotOptimize(status);
    }
  }
  state.SetItemsProcessed(state.iterations() * kActions);
}
BENCHMARK(BM_ParseLinesUncached)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ReplayLines(benchmark::State& state) {
  const Data& data = Shared();
  codec::ProtoJson json;
  for (auto _ : state) {
    Replayer replayer(*data.policy);
    ReplayReport report;
    uint64_t line = 0;
    for (const std::string& text : data.lines) {
      RecordedAction r = *codec::ParseRecordingLine(json, text);
      report.Add(++line, r, *replayer.Replay(r));
    }
    if (report.changed() != 0) state.SkipWithError("the replay changed");
  }
  state.SetItemsProcessed(state.iterations() * kActions);
}
BENCHMARK(BM_ReplayLines)->Unit(benchmark::kMillisecond)->UseRealTime();

// The binary recording: each action as a serialized RecordedAction.
void BM_ReplayBinary(benchmark::State& state) {
  const Data& data = Shared();
  std::vector<std::string> records;
  for (const RecordedAction& r : data.recording) {
    ::portcullis::replay::v1::RecordedAction proto;
    codec::RecordedActionToProto(r, &proto);
    records.push_back(proto.SerializeAsString());
  }
  for (auto _ : state) {
    Replayer replayer(*data.policy);
    ReplayReport report;
    uint64_t line = 0;
    ::portcullis::replay::v1::RecordedAction proto;
    for (const std::string& bytes : records) {
      proto.ParseFromString(bytes);
      RecordedAction r = *codec::RecordedActionFromProto(proto);
      report.Add(++line, r, *replayer.Replay(r));
    }
    if (report.changed() != 0) state.SkipWithError("the replay changed");
  }
  state.SetItemsProcessed(state.iterations() * kActions);
}
BENCHMARK(BM_ReplayBinary)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ReplayCommand(benchmark::State& state) {
  const Data& data = Shared();
  const std::string dir = "/tmp";
  const std::string policy = absl::StrCat(dir, "/replay_bench.policy");
  const std::string input = absl::StrCat(dir, "/replay_bench.jsonl");
  std::ofstream(policy) << PolicyText();
  {
    std::ofstream out(input);
    for (const std::string& line : data.lines) out << line << "\n";
  }
  for (auto _ : state) {
    std::ostringstream out, err;
    cli::CommandIo io{out, err, false};
    if (cli::RunReplay({policy, input}, io) != cli::kExitOk) {
      state.SkipWithError(err.str().c_str());
    }
  }
  state.SetItemsProcessed(state.iterations() * kActions);
  std::remove(policy.c_str());
  std::remove(input.c_str());
}
BENCHMARK(BM_ReplayCommand)->Unit(benchmark::kMillisecond)->UseRealTime();

// The whole command on a binary recording (*.binpb).
void BM_ReplayCommandBinary(benchmark::State& state) {
  const Data& data = Shared();
  const std::string policy = "/tmp/replay_bench_binary.policy";
  const std::string input = "/tmp/replay_bench.binpb";
  std::ofstream(policy) << PolicyText();
  {
    std::ofstream out(input, std::ios::binary);
    for (const RecordedAction& r : data.recording) {
      ::portcullis::replay::v1::RecordedAction proto;
      codec::RecordedActionToProto(r, &proto);
      google::protobuf::util::SerializeDelimitedToOstream(proto, &out);
    }
  }
  for (auto _ : state) {
    std::ostringstream out, err;
    cli::CommandIo io{out, err, false};
    if (cli::RunReplay({policy, input}, io) != cli::kExitOk) {
      state.SkipWithError(err.str().c_str());
    }
  }
  state.SetItemsProcessed(state.iterations() * kActions);
  std::remove(policy.c_str());
  std::remove(input.c_str());
}
BENCHMARK(BM_ReplayCommandBinary)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace portcullis::gate::replay

BENCHMARK_MAIN();
