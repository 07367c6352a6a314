// Reads policy text from a PolicySource and compiles it into a snapshot.
// A policy that fails to compile produces errors and no snapshot: the
// caller keeps the policy it has. Thread-safe.
#ifndef PORTCULLIS_GATE_POLICY_LOADER_H_
#define PORTCULLIS_GATE_POLICY_LOADER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gate/policy_snapshot.h"
#include "gate/policy_source.h"

namespace portcullis::gate {

struct PolicyLoad {
  // Null when the text did not compile.
  std::shared_ptr<const PolicySnapshot> snapshot;
  std::string content_hash;
  std::string source;
  // Compiler diagnostics, "file:line:column: message".
  std::vector<std::string> errors;
};

// BLAKE2b-256, hex, over the domain tag "portcullis/policy/v1" and each
// file's base name and content in order: independent of where the files
// are mounted.
std::string PolicyContentHash(const PolicyText& text);

// Compiles text already read; compile errors are in the result.
PolicyLoad CompilePolicy(const PolicyText& text, absl::Time now);

// Reads and compiles. Returns an error only when the source cannot be read;
// compile errors are in the result.
absl::StatusOr<PolicyLoad> LoadPolicy(const PolicySource& source,
                                      absl::Time now);

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_POLICY_LOADER_H_
