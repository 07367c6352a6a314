// Reads and compiles the policy an offline command checks (`portcullis
// replay --policy`, `portcullis policy test`): a file, or a directory of
// *.policy files. Thread-safe.
#ifndef PORTCULLIS_CLI_CANDIDATE_POLICY_H_
#define PORTCULLIS_CLI_CANDIDATE_POLICY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gate/policy_snapshot.h"

namespace portcullis::cli {

// Returns the compiled policy with its version and content hash. NotFound
// or InvalidArgument when `path` cannot be read; FailedPrecondition listing
// every compile error ("file:line:column: message", one per line) when it
// does not compile.
absl::StatusOr<std::shared_ptr<const gate::PolicySnapshot>> CompileCandidate(
    const std::string& path);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_CANDIDATE_POLICY_H_
