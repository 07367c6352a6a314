// Principals: who may call the gate, in which roles, for which tenants.
// The transport identifies a caller (a bearer token, or the uid of a Unix
// socket peer) and the PrincipalTable maps that to a Principal; the
// request body never says who the caller is. Plain values; thread-safe for
// concurrent const use.
#ifndef PORTCULLIS_IDENTITY_PRINCIPAL_H_
#define PORTCULLIS_IDENTITY_PRINCIPAL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace portcullis::identity {

enum class Role { kAgent, kApprover, kOperator, kAuditor, kGateway };

// "agent", "approver", "operator", "auditor" or "gateway".
const char* RoleName(Role role);

// Returns InvalidArgument naming the accepted names for anything else.
absl::StatusOr<Role> ParseRole(absl::string_view name);

struct Principal {
  std::string name;
  std::vector<Role> roles;
  std::vector<std::string> tenants;  // "*" for every tenant
  // The agent ids it may speak as, "*" for any; empty: only `name`.
  std::vector<std::string> agents;

  bool Has(Role role) const;
  bool MayActFor(absl::string_view tenant) const;
  bool AllTenants() const;
  // True when an action of this principal may name `agent` as its agent.
  bool MaySpeakAs(absl::string_view agent) const;
};

}  // namespace portcullis::identity

#endif  // PORTCULLIS_IDENTITY_PRINCIPAL_H_
