#include "gate/approvers.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/identifiers.h"

namespace portcullis::gate {

bool Approver::MayApproveFor(absl::string_view tenant) const {
  return std::any_of(tenants.begin(), tenants.end(),
                     [&](const auto& t) { return t == "*" || t == tenant; });
}

bool Approver::HoldsAnyOf(absl::Span<const std::string> wanted) const {
  return std::any_of(wanted.begin(), wanted.end(), [&](const auto& role) {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
  });
}

absl::StatusOr<ApproverRegistry> ApproverRegistry::Create(
    std::vector<Approver> list) {
  ApproverRegistry registry;
  for (Approver& a : list) {
    auto invalid = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("approver \"", a.id, "\": ", why));
    };
    if (absl::Status s = ValidateAgentId(a.id); !s.ok()) {
      return invalid(s.message());
    }
    if (a.roles.empty()) return invalid("has no roles");
    if (a.tenants.empty()) {
      return invalid("has no tenants; list them, or \"*\" for every tenant");
    }
    for (const std::string& t : a.tenants) {
      if (t != "*" && !ValidateTenantId(t).ok()) {
        return invalid(absl::StrCat("tenant \"", t, "\" is not a tenant id"));
      }
    }
    std::string id = a.id;
    if (!registry.by_id_.emplace(id, std::move(a)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("approver \"", id, "\" is listed twice"));
    }
  }
  return registry;
}

const Approver* ApproverRegistry::Find(absl::string_view id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

}  // namespace portcullis::gate
