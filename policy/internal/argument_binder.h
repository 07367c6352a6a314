// Checks an action's arguments against its tool's declaration and binds them
// to slots, so that conditions read arguments by index. Every mismatch is an
// InvalidArgument whose message names the argument and what it must be: an
// agent (or its developer) can act on it. Pure; thread-safe.
#ifndef PORTCULLIS_POLICY_INTERNAL_ARGUMENT_BINDER_H_
#define PORTCULLIS_POLICY_INTERNAL_ARGUMENT_BINDER_H_

#include <map>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "policy/action.h"
#include "policy/internal/tool.h"
#include "policy/internal/type.h"

namespace portcullis::policy::policy_internal {

// One pointer per declared argument, in slot order; each points into the
// action or at the declaration's default, so it lives as long as both.
using ArgumentSlots = absl::InlinedVector<const Value*, 16>;

// Fills `slots` from `given`. Returns InvalidArgument for an undeclared
// argument, a missing required one, or a value that does not fit its type
// (see CheckArgumentValue).
absl::Status BindArguments(const CompiledTool& tool,
                           const std::map<std::string, Value>& given,
                           ArgumentSlots* slots);

// Returns OK when `value` fits `type`, else InvalidArgument naming `name`:
// a wrong kind, money that is negative, of another currency or with more
// decimals than the currency allows, an enum value not in the list, or a
// list element that does not fit.
absl::Status CheckArgumentValue(absl::string_view name, const Type& type,
                                const Value& value);

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_ARGUMENT_BINDER_H_
