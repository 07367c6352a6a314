// Compiles policy source text into a CompiledPolicy. Pure apart from time
// zone lookups (Abseil's zoneinfo): no other I/O; thread-safe.
#ifndef PORTCULLIS_POLICY_COMPILER_H_
#define PORTCULLIS_POLICY_COMPILER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "policy/compiled_policy.h"

namespace portcullis::policy {

// One policy file's text; `path` only labels diagnostics.
struct SourceFile {
  std::string path;
  std::string content;
};

// An error at a position a person can find: "commerce.policy:12:7: ...".
struct Diagnostic {
  std::string path;
  int line = 0;    // 1-based
  int column = 0;  // 1-based, in bytes
  std::string message;

  std::string ToString() const;
};

struct CompileResult {
  // Set exactly when `errors` is empty.
  std::shared_ptr<const CompiledPolicy> policy;
  std::vector<Diagnostic> errors;
};

// Compiles the files as one policy. Never crashes or hangs on any input.
CompileResult Compile(absl::Span<const SourceFile> sources);

}  // namespace portcullis::policy

#endif  // PORTCULLIS_POLICY_COMPILER_H_
