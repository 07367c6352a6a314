// CompiledTool is one tool of one tenant as the evaluator sees it: its
// metadata, its arguments in slot order, and every rule that applies to it
// (its own and the tenant-wide ones) in source order. Immutable after
// compilation; thread-safe for concurrent reads.
#ifndef PORTCULLIS_POLICY_INTERNAL_TOOL_H_
#define PORTCULLIS_POLICY_INTERNAL_TOOL_H_

#include <optional>
#include <string>
#include <vector>

#include "policy/action.h"
#include "policy/internal/session.h"
#include "policy/internal/type.h"

namespace portcullis::policy::policy_internal {

struct Rule;

struct ArgumentSpec {
  std::string name;
  Type type;
  // Set for an optional argument: the value it takes when absent.
  std::optional<Value> default_value;
};

struct CompiledTool {
  std::string name;
  std::string authority;  // "read", "draft" or "write"
  bool irreversible = false;
  // Sorted by name, like Action::arguments; an argument's slot is its index.
  std::vector<ArgumentSpec> args;
  // Owned by the tenant; tenant-wide rules are shared by its tools.
  std::vector<const Rule*> rules;
  // What a counted action of this tool charges to its session, when some
  // session rule of the tenant reads this tool; empty otherwise.
  std::vector<SessionCharge> session_charges;
};

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_TOOL_H_
