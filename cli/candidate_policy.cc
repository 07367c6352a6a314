#include "cli/candidate_policy.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/policy_commands.h"
#include "gate/policy_loader.h"

namespace portcullis::cli {

absl::StatusOr<std::shared_ptr<const gate::PolicySnapshot>> CompileCandidate(
    const std::string& path) {
  absl::StatusOr<gate::PolicyText> text = ReadPolicyText({path});
  if (!text.ok()) return text.status();
  // The load time is not part of any output: a fixed instant keeps runs
  // identical.
  gate::PolicyLoad load = gate::CompilePolicy(*text, absl::UnixEpoch());
  if (load.snapshot == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the policy does not compile:\n", absl::StrJoin(load.errors, "\n")));
  }
  return load.snapshot;
}

}  // namespace portcullis::cli
