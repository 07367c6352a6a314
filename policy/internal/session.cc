#include "policy/internal/session.h"

#include "absl/strings/str_cat.h"
#include "policy/internal/limit_check.h"

namespace portcullis::policy::policy_internal {

std::string SessionTail(const Action& action) {
  std::string tail = "/agent=";
  AppendEncoded(action.agent, &tail);
  tail.append("/session=");
  AppendEncoded(action.context.session_id, &tail);
  return tail;
}

std::string SessionCountPrefix(absl::string_view tenant,
                               absl::string_view tool) {
  std::string prefix = absl::StrCat(tenant, "/session:count/tool=");
  AppendEncoded(tool, &prefix);
  return prefix;
}

std::string SessionSumPrefix(absl::string_view tenant, absl::string_view tool,
                             absl::string_view arg) {
  std::string prefix = absl::StrCat(tenant, "/session:sum/tool=");
  AppendEncoded(tool, &prefix);
  absl::StrAppend(&prefix, "/args.", arg);
  return prefix;
}

}  // namespace portcullis::policy::policy_internal
