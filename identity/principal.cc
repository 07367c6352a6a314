#include "identity/principal.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace portcullis::identity {

const char* RoleName(Role role) {
  switch (role) {
    case Role::kAgent:
      return "agent";
    case Role::kApprover:
      return "approver";
    case Role::kOperator:
      return "operator";
    case Role::kAuditor:
      return "auditor";
    case Role::kGateway:
      return "gateway";
  }
  return "agent";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (Role role : {Role::kAgent, Role::kApprover, Role::kOperator,
                    Role::kAuditor, Role::kGateway}) {
    if (name == RoleName(role)) return role;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown role \"", name,
      "\"; roles are agent, approver, operator, auditor and gateway"));
}

bool Principal::Has(Role role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool Principal::AllTenants() const {
  return std::find(tenants.begin(), tenants.end(), "*") != tenants.end();
}

bool Principal::MayActFor(absl::string_view tenant) const {
  return AllTenants() ||
         std::find(tenants.begin(), tenants.end(), tenant) != tenants.end();
}

bool Principal::MaySpeakAs(absl::string_view agent) const {
  if (agents.empty()) return agent == name;
  return std::find(agents.begin(), agents.end(), "*") != agents.end() ||
         std::find(agents.begin(), agents.end(), agent) != agents.end();
}

}  // namespace portcullis::identity
