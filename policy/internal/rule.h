// Rule is one compiled rule: its id and description as written, its effect,
// its optional condition, and what the effect needs (an approval demand or a
// limit). Owned by its tenant; immutable after compilation; thread-safe for
// concurrent reads.
#ifndef PORTCULLIS_POLICY_INTERNAL_RULE_H_
#define PORTCULLIS_POLICY_INTERNAL_RULE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "policy/decimal.h"
#include "policy/internal/ast.h"
#include "policy/internal/condition.h"
#include "policy/internal/position.h"
#include "policy/internal/session.h"
#include "policy/verdict.h"

namespace portcullis::policy::policy_internal {

// What a limit's counter is kept per, besides the tenant and the rule.
struct LimitScope {
  enum class Kind { kAgent, kTool, kSession, kArgument };
  Kind kind = Kind::kAgent;
  int32_t slot = 0;      // kArgument
  std::string label;     // "agent", "tool", "session" or "args.NAME"
  std::string key_part;  // "/" + label + "=": what the counter key adds
};

struct Limit {
  bool spend = false;
  int64_t max_count = 0;     // rate: at most this many per window
  Decimal cap;               // spend: at most this much per window
  std::string currency;      // spend
  int32_t amount_slot = 0;   // spend: the money argument added up
  std::string amount_label;  // spend: "args.value"
  absl::Duration window;
  std::vector<LimitScope> scopes;
  bool session_scoped = false;  // one of `scopes` is kSession
};

struct Rule {
  // What evaluation reads for every rule comes first, to share a cache line.
  Effect effect = Effect::kAllow;
  bool unless = false;  // applies when the condition is false
  // Null when the rule always applies.
  std::unique_ptr<Condition> condition;
  // `after tool X`: the rule applies only when the session has counted X.
  // Null without one (a pointer keeps the hot fields in one cache line).
  std::unique_ptr<SessionQuery> after;

  std::string tenant;
  std::string tool;  // empty for a tenant-wide rule
  std::string id;
  std::string description;
  Position pos;
  std::string condition_text;  // as written
  // deny and limit: the sentence given to the agent and the approvers.
  std::string reason;
  // approve
  ApprovalRequirement approval;
  // limit
  Limit limit;
  // "<tenant>/<rule id>": the start of every counter key of this rule.
  std::string counter_prefix;
  // `from proposal "ID"`: the approval amendment the rule came from.
  std::string proposal;
};

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_RULE_H_
