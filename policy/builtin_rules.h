// The rules every policy has without writing them. Verdicts cite them like
// written rules; their ids start with "builtin:", which written rule ids
// may not. Constants; thread-safe.
#ifndef PORTCULLIS_POLICY_BUILTIN_RULES_H_
#define PORTCULLIS_POLICY_BUILTIN_RULES_H_

#include "absl/strings/string_view.h"

namespace portcullis::policy {

// The action's tenant has no section in the policy: DENY.
inline constexpr absl::string_view kBuiltinUnknownTenant =
    "builtin:unknown-tenant";
inline constexpr absl::string_view kBuiltinUnknownTenantDescription =
    "tenants the policy does not name are denied";

// The tenant does not declare the action's tool: DENY.
inline constexpr absl::string_view kBuiltinNotAllowlisted =
    "builtin:not-allowlisted";
inline constexpr absl::string_view kBuiltinNotAllowlistedDescription =
    "tools a tenant does not declare are denied";

// The tool is declared but no allow or approve rule applied: DENY.
inline constexpr absl::string_view kBuiltinDefaultDeny = "builtin:default-deny";
inline constexpr absl::string_view kBuiltinDefaultDenyDescription =
    "a declared tool is denied unless a rule allows it";

// The action needs approval but the run is unattended: DENY, citing the
// approval rules too.
inline constexpr absl::string_view kBuiltinUnattended = "builtin:unattended";
inline constexpr absl::string_view kBuiltinUnattendedDescription =
    "unattended runs cannot wait for approval";

// The action would be counted in a session that already holds the
// tenant's max_session_events counted actions: DENY (the gate keeps no
// more for it).
inline constexpr absl::string_view kBuiltinSessionFull = "builtin:session-full";
inline constexpr absl::string_view kBuiltinSessionFullDescription =
    "a session holds at most max_session_events counted actions";

// The action would open a new session while the tenant already has
// max_sessions live ones: DENY.
inline constexpr absl::string_view kBuiltinSessionLimit =
    "builtin:session-limit";
inline constexpr absl::string_view kBuiltinSessionLimitDescription =
    "a tenant has at most max_sessions live sessions";

}  // namespace portcullis::policy

#endif  // PORTCULLIS_POLICY_BUILTIN_RULES_H_
