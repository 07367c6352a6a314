// PolicySnapshot is one loaded policy: the compiled program and what
// identifies it. PolicyHolder publishes the current snapshot: Evaluate
// takes it once per call, Reload swaps in a new one atomically, and calls
// in flight finish on the snapshot they took. Thread-safe.
#ifndef PORTCULLIS_GATE_POLICY_SNAPSHOT_H_
#define PORTCULLIS_GATE_POLICY_SNAPSHOT_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "policy/compiled_policy.h"
#include "policy/compiler.h"

namespace portcullis::gate {

struct PolicySnapshot {
  std::shared_ptr<const policy::CompiledPolicy> program;
  std::string version;       // as the policy declares it
  std::string content_hash;  // BLAKE2b-256 of the sources, hex
  std::string source;        // where it was read from, for people
  // The text it was compiled from: amendment proposals are checked
  // against it (docs/approvals.md).
  std::vector<policy::SourceFile> files;
  absl::Time loaded_at;
};

class PolicyHolder {
 public:
  // The current snapshot; null until the first Install.
  std::shared_ptr<const PolicySnapshot> Current() const {
    return current_.load(std::memory_order_acquire);
  }

  // Makes `snapshot` current for every call that starts from now on.
  void Install(std::shared_ptr<const PolicySnapshot> snapshot) {
    current_.store(std::move(snapshot), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const PolicySnapshot>> current_;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_POLICY_SNAPSHOT_H_
