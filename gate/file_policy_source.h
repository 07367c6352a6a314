// Reads policy text from a file, or from every "*.policy" file directly in
// a directory. Paths are resolved afresh on every Read, so a Kubernetes
// ConfigMap update — which swaps a "..data" symlink — is seen whole.
// Thread-safe (stateless apart from the configured path).
#ifndef PORTCULLIS_GATE_FILE_POLICY_SOURCE_H_
#define PORTCULLIS_GATE_FILE_POLICY_SOURCE_H_

#include <string>

#include "gate/policy_source.h"

namespace portcullis::gate {

class FilePolicySource final : public PolicySource {
 public:
  // The largest policy file read, to keep a mistaken path from exhausting
  // memory.
  static constexpr size_t kMaxFileBytes = 16 << 20;

  explicit FilePolicySource(std::string path) : path_(std::move(path)) {}

  absl::StatusOr<PolicyText> Read() const override;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_FILE_POLICY_SOURCE_H_
