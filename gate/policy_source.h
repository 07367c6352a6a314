// PolicySource is where policy text comes from: a file or directory on disk
// in production (FilePolicySource), literal text in tests. Implementations
// must be thread-safe.
#ifndef PORTCULLIS_GATE_POLICY_SOURCE_H_
#define PORTCULLIS_GATE_POLICY_SOURCE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "policy/compiler.h"

namespace portcullis::gate {

struct PolicyText {
  // Sorted by path, so the content hash does not depend on read order.
  std::vector<policy::SourceFile> files;
  // Where the text came from, for ledger records and logs.
  std::string description;
};

class PolicySource {
 public:
  virtual ~PolicySource() = default;

  // Reads the current text. Returns NotFound or Unavailable when it cannot
  // be read, InvalidArgument when there is nothing to read.
  virtual absl::StatusOr<PolicyText> Read() const = 0;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_POLICY_SOURCE_H_
