#include "identity/principal_table.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "identity/token.h"

namespace portcullis::identity {

absl::StatusOr<std::shared_ptr<const PrincipalTable>> PrincipalTable::Create(
    absl::Span<const config::v1::PrincipalConfig> principals) {
  auto table = std::make_shared<PrincipalTable>();
  absl::flat_hash_set<std::string> names;
  for (const config::v1::PrincipalConfig& p : principals) {
    auto invalid = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("principal \"", p.name(), "\": ", why));
    };
    if (absl::Status s = ValidateAgentId(p.name()); !s.ok()) {
      return invalid(s.message());
    }
    if (!names.insert(p.name()).second) return invalid("is listed twice");
    auto principal = std::make_unique<Principal>();
    principal->name = p.name();
    for (const std::string& name : p.roles()) {
      absl::StatusOr<Role> role = ParseRole(name);
      if (!role.ok()) return invalid(role.status().message());
      principal->roles.push_back(*role);
    }
    if (principal->roles.empty()) return invalid("has no roles");
    for (const std::string& tenant : p.tenants()) {
      if (tenant != "*" && !ValidateTenantId(tenant).ok()) {
        return invalid(absl::StrCat("\"", tenant, "\" is not a tenant id"));
      }
      principal->tenants.push_back(tenant);
    }
    if (principal->tenants.empty()) {
      return invalid("has no tenants; list them, or \"*\" for every tenant");
    }
    for (const std::string& agent : p.agents()) {
      if (agent != "*" && !ValidateAgentId(agent).ok()) {
        return invalid(absl::StrCat("\"", agent, "\" is not an agent id"));
      }
      principal->agents.push_back(agent);
    }
    const Principal* raw = principal.get();
    for (const std::string& hash : p.token_hashes()) {
      if (absl::Status s = ValidateTokenHash(hash); !s.ok()) {
        return invalid(s.message());
      }
      if (!table->by_token_hash_.emplace(hash, raw).second) {
        return invalid("shares a token hash with another principal");
      }
    }
    for (uint32_t uid : p.unix_uids()) {
      if (!table->by_uid_.emplace(static_cast<uid_t>(uid), raw).second) {
        return invalid(
            absl::StrCat("uid ", uid, " is given to another principal too"));
      }
    }
    table->principals_.push_back(std::move(principal));
  }
  return table;
}

const Principal* PrincipalTable::ByToken(absl::string_view token) const {
  auto it = by_token_hash_.find(TokenHash(token));
  return it == by_token_hash_.end() ? nullptr : it->second;
}

const Principal* PrincipalTable::ByUid(uid_t uid) const {
  auto it = by_uid_.find(uid);
  return it == by_uid_.end() ? nullptr : it->second;
}

}  // namespace portcullis::identity
