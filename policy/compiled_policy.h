// A CompiledPolicy is the immutable program that decides actions: parsed,
// type-checked and indexed by tenant and tool, so that deciding an action
// costs the same however many rules other tenants and tools have.
//
// Build one with Compile() (policy/compiler.h). Evaluation is a pure
// function of (program, action, now, usage): no I/O, no clock, no threads.
// A CompiledPolicy is immutable and thread-safe for concurrent Evaluate().
#ifndef PORTCULLIS_POLICY_COMPILED_POLICY_H_
#define PORTCULLIS_POLICY_COMPILED_POLICY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "policy/action.h"
#include "policy/usage.h"
#include "policy/verdict.h"

namespace portcullis::policy {

// The longest window a rate or spend limit may count over, and the longest
// an approval may wait. The gate rebuilds counters and its approval queue
// from this much recent ledger history at start, so the compiler rejects
// anything longer.
inline constexpr absl::Duration kMaxLimitWindow = absl::Hours(24 * 366);
inline constexpr absl::Duration kMaxApprovalExpiry = absl::Hours(24 * 31);

// Session rules (count(), sum(), after): how long `after tool X` looks back
// when it names no window, and the bounds on what the gate keeps per
// session. A tenant may set `max_sessions` and `max_session_events` within
// the Bound limits; see docs/policy-language.md#sessions.
inline constexpr absl::Duration kDefaultAfterWindow = absl::Hours(24 * 30);
inline constexpr int64_t kDefaultMaxSessions = 10000;
inline constexpr int64_t kDefaultMaxSessionEvents = 100;
inline constexpr int64_t kMaxSessionsBound = 1000000;
inline constexpr int64_t kMaxSessionEventsBound = 100000;

// How one rule fared for one action, for `portcullis policy explain`.
struct RuleTrace {
  std::string rule_id;
  bool matched = false;
  // Why it matched or not, e.g. "args.value 50.01 SAR > 50 SAR".
  std::string explanation;
};

// A rule as written, for coverage reports.
struct RuleInfo {
  std::string tenant;
  std::string tool;  // empty for tenant-wide rules
  std::string id;
  std::string description;
};

// One argument of a declared tool, for callers that map onto it (the MCP
// gateway): its name and its type as written in the policy, e.g.
// "money(SAR)".
struct ToolArgumentInfo {
  std::string name;
  std::string type;
  bool optional = false;
};

// A tool a tenant's policy declares.
struct ToolInfo {
  std::string name;
  std::vector<ToolArgumentInfo> arguments;  // sorted by name
};

class CompiledPolicy {
 public:
  virtual ~CompiledPolicy() = default;

  // The version the policy declares for itself.
  virtual const std::string& version() const = 0;

  // Returns true when the policy has a section for `tenant`.
  virtual bool HasTenant(absl::string_view tenant) const = 0;

  // Every tenant the policy has a section for, sorted.
  virtual std::vector<std::string> Tenants() const = 0;

  // Every rule, in source order.
  virtual std::vector<RuleInfo> Rules() const = 0;

  // The tools `tenant`'s section declares, sorted by name; empty for a
  // tenant the policy does not know.
  virtual std::vector<ToolInfo> Tools(absl::string_view tenant) const = 0;

  // The demands of every `approve` rule that applies to `tool` of `tenant`
  // (its own and the tenant-wide ones), conditions aside, in source order;
  // empty for an unknown tenant or tool. Standing approvals (the gate)
  // check their approver against them when one is granted.
  virtual std::vector<ApprovalRequirement> ApprovalRules(
      absl::string_view tenant, absl::string_view tool) const {
    return {};
  }

  // Decides `action` at `now` given the limit counters in `usage`.
  //
  // Returns a Verdict for every well-formed action, including DENY for an
  // unknown tenant or a tool that is not allowlisted. Returns
  // InvalidArgument when the arguments do not fit the tool's declaration
  // (an undeclared or missing argument, a wrong type, money that is
  // negative, of another currency or with too many decimals); the message
  // names the argument and what is expected.
  //
  // When `trace` is not null it receives one entry per rule considered.
  virtual absl::StatusOr<Verdict> Evaluate(
      const Action& action, absl::Time now, const UsageView& usage,
      std::vector<RuleTrace>* trace = nullptr) const = 0;
};

}  // namespace portcullis::policy

#endif  // PORTCULLIS_POLICY_COMPILED_POLICY_H_
