// Decision time against policy size: 10, 100, 1,000 and 10,000 rules spread
// over 100 tenants (five rules per tool once there are enough), deciding
// actions round-robin over every tenant and tool so that caches see the
// whole policy. Usage counters come from EmptyUsage: the gate's counter
// lookups are measured with the gate, not here.
//
//   ninja -C build policy_bench && build/bench/policy_bench
//
// BM_DecideSessionLatency decides the same 1,000-rule workload with
// session rules (after, count(), sum()) on every tool, reading and charging
// session counters from a hash map.
//
// BM_Decide reports the mean time per decision; BM_DecideLatency times
// each decision on its own and reports the median and 99th percentile.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "policy/action.h"
#include "policy/compiled_policy.h"
#include "policy/compiler.h"
#include "policy/usage.h"

namespace portcullis::policy {
namespace {

constexpr int kTenants = 100;
constexpr int kRulesPerTool = 5;

int ToolsPerTenant(int rules) {
  return std::max(1, rules / kTenants / kRulesPerTool);
}

// The `kind`-th of five kinds of rule: an allow with a money bound, a money
// cap, a conditional approval, a time window and a rate limit. A tool with
// five rules has one of each, and decides the benchmark's actions ALLOW
// with one limit charge, the common path.
std::string RuleText(int k, int kind, bool sessions = false) {
  std::string head = absl::StrCat("    rule r", k, " \"rule number ", k, "\" ");
  // The session workload swaps the approval and the time window for a
  // taint and a count-and-sum over the session (issue 21).
  if (sessions && kind % 5 == 2) {
    return head + "deny after tool tool_0 when args.region == \"north\"\n";
  }
  if (sessions && kind % 5 == 3) {
    return head +
           "deny when count(tool tool_0, 1h, session) >= 1000 or "
           "sum(args.amount, 24h, session) > 1000000 SAR\n";
  }
  switch (kind % 5) {
    case 0:
      return head + "allow when args.amount <= 500 SAR\n";
    case 1:
      return head + "deny when args.amount > 1000 SAR\n";
    case 2:
      return head +
             "approve by owner expires 24h when args.region in [\"north\", "
             "\"south\"] and args.amount > 800 SAR\n";
    case 3:
      return head + "deny unless hours(06:00-23:00, \"Asia/Riyadh\")\n";
    default:
      return head + "limit 1000 per 1h per agent\n";
  }
}

// One file per tenant, as a large deployment would keep them.
std::vector<SourceFile> GeneratePolicy(int rules, bool sessions = false) {
  int tools = ToolsPerTenant(rules);
  std::vector<std::vector<std::string>> tool_rules(kTenants * tools);
  for (int k = 0; k < rules; ++k) {
    int tenant = k % kTenants;
    int tool = (k / kTenants) % tools;
    std::vector<std::string>& list = tool_rules[tenant * tools + tool];
    list.push_back(RuleText(k, static_cast<int>(list.size()), sessions));
  }
  std::vector<SourceFile> files;
  for (int t = 0; t < kTenants; ++t) {
    std::string text = t == 0 ? "policy \"bench\" version \"1\"\n" : "";
    absl::StrAppend(&text, "tenant \"tenant-", t, "\" {\n");
    for (int tool = 0; tool < tools; ++tool) {
      absl::StrAppend(&text, "  tool tool_", tool,
                      " {\n    class write\n    arg amount: money(SAR)\n"
                      "    arg region: enum(north, south, east, west)\n"
                      "    arg note: string = \"\"\n");
      for (const std::string& rule : tool_rules[t * tools + tool]) {
        text += rule;
      }
      text += "  }\n";
    }
    text += "}\n";
    files.push_back(SourceFile{absl::StrCat("tenant-", t, ".policy"), text});
  }
  return files;
}

std::shared_ptr<const CompiledPolicy> CompileOrDie(
    const std::vector<SourceFile>& files) {
  CompileResult result = Compile(files);
  if (result.policy == nullptr) {
    for (const Diagnostic& d : result.errors) {
      fprintf(stderr, "%s\n", d.ToString().c_str());
    }
    std::abort();
  }
  return result.policy;
}

// An action for every tool of every tenant, visited in an order that jumps
// between tenants.
std::vector<Action> Actions(int rules) {
  int tools = ToolsPerTenant(rules);
  std::vector<Action> actions;
  for (int tool = 0; tool < tools; ++tool) {
    for (int t = 0; t < kTenants; ++t) {
      Action action;
      action.tenant = absl::StrCat("tenant-", t);
      action.agent = "agent-7";
      action.tool = absl::StrCat("tool_", tool);
      action.arguments["amount"] =
          Value{Money{*Decimal::Parse("120.00"), "SAR"}};
      action.arguments["region"] = Value{std::string("east")};
      action.context.confidence = 0.93;
      action.context.session_id = "conv-42";
      actions.push_back(std::move(action));
    }
  }
  return actions;
}

// 10:00 in Riyadh on a Sunday.
const absl::Time kNow = absl::FromUnixSeconds(1767528000 - 5 * 3600);

void BM_Decide(benchmark::State& state) {
  int rules = static_cast<int>(state.range(0));
  auto policy = CompileOrDie(GeneratePolicy(rules));
  std::vector<Action> actions = Actions(rules);
  EmptyUsage usage;
  size_t next = 0;
  for (auto _ : state) {
    auto verdict = policy->Evaluate(actions[next], kNow, usage);
    benchmark::DoNotOptimize(verdict);
    if (++next == actions.size()) next = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["rules"] = rules;
  state.counters["tenants"] = kTenants;
}
BENCHMARK(BM_Decide)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

// The same action over and over: the tool's rules stay in cache. The gap to
// BM_Decide is the cost of cache misses.
void BM_DecideHot(benchmark::State& state) {
  int rules = static_cast<int>(state.range(0));
  auto policy = CompileOrDie(GeneratePolicy(rules));
  std::vector<Action> actions = Actions(rules);
  EmptyUsage usage;
  for (auto _ : state) {
    auto verdict = policy->Evaluate(actions[0], kNow, usage);
    benchmark::DoNotOptimize(verdict);
  }
  state.counters["rules"] = rules;
}
BENCHMARK(BM_DecideHot)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

void BM_DecideLatency(benchmark::State& state) {
  int rules = static_cast<int>(state.range(0));
  auto policy = CompileOrDie(GeneratePolicy(rules));
  std::vector<Action> actions = Actions(rules);
  EmptyUsage usage;
  std::vector<int64_t> nanos;
  nanos.reserve(1 << 20);
  size_t next = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    auto verdict = policy->Evaluate(actions[next], kNow, usage);
    auto stop = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(verdict);
    if (nanos.size() < nanos.capacity()) {
      nanos.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(stop - start)
              .count());
    }
    if (++next == actions.size()) next = 0;
  }
  std::sort(nanos.begin(), nanos.end());
  state.counters["p50_ns"] = static_cast<double>(nanos[nanos.size() / 2]);
  state.counters["p99_ns"] =
      static_cast<double>(nanos[nanos.size() * 99 / 100]);
  state.counters["rules"] = rules;
}
BENCHMARK(BM_DecideLatency)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

// Counters in a hash map, charged like the gate charges them (without the
// windows: every event counts), for the session workload.
class MapUsage final : public UsageView {
 public:
  int64_t Count(absl::string_view counter, absl::Time) const override {
    auto it = counts_.find(counter);
    return it == counts_.end() ? 0 : it->second.first;
  }
  Decimal Sum(absl::string_view counter, absl::Time) const override {
    auto it = counts_.find(counter);
    return it == counts_.end() ? Decimal() : it->second.second;
  }
  int64_t LiveSessions(absl::Time) const override { return 1; }
  void Charge(const Verdict& verdict) {
    for (const UsageCharge& c : verdict.charges) {
      auto& [n, sum] = counts_[c.counter];
      ++n;
      sum = *sum.Add(c.amount.value_or(Decimal::FromInteger(1)));
    }
  }

 private:
  absl::flat_hash_map<std::string, std::pair<int64_t, Decimal>> counts_;
};

// BM_DecideLatency with session rules on every tool (a taint, and a count
// and a sum over the session), the session's counters filled by two
// earlier rounds of the same actions.
void BM_DecideSessionLatency(benchmark::State& state) {
  int rules = static_cast<int>(state.range(0));
  auto policy = CompileOrDie(GeneratePolicy(rules, true));
  std::vector<Action> actions = Actions(rules);
  MapUsage usage;
  for (int round = 0; round < 2; ++round) {
    for (const Action& action : actions) {
      auto verdict = policy->Evaluate(action, kNow, usage);
      if (verdict.ok() && verdict->outcome == Outcome::kAllow) {
        usage.Charge(*verdict);
      }
    }
  }
  std::vector<int64_t> nanos;
  nanos.reserve(1 << 20);
  size_t next = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    auto verdict = policy->Evaluate(actions[next], kNow, usage);
    auto stop = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(verdict);
    if (nanos.size() < nanos.capacity()) {
      nanos.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(stop - start)
              .count());
    }
    if (++next == actions.size()) next = 0;
  }
  std::sort(nanos.begin(), nanos.end());
  state.counters["p50_ns"] = static_cast<double>(nanos[nanos.size() / 2]);
  state.counters["p99_ns"] =
      static_cast<double>(nanos[nanos.size() * 99 / 100]);
  state.counters["rules"] = rules;
}
BENCHMARK(BM_DecideSessionLatency)->Arg(1000);

void BM_Compile(benchmark::State& state) {
  std::vector<SourceFile> files =
      GeneratePolicy(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    CompileResult result = Compile(files);
    benchmark::DoNotOptimize(result);
  }
  state.counters["rules"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_Compile)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace portcullis::policy

BENCHMARK_MAIN();
