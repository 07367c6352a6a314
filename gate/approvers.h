// The approvers a gate knows: who may sign approvals, with which key, in
// which roles, for which tenants. An ApproverRegistry is built from the
// configuration and immutable; the ApproverHolder holds the one in force and
// swaps in a new one when the configuration is reloaded. Both thread-safe.
#ifndef PORTCULLIS_GATE_APPROVERS_H_
#define PORTCULLIS_GATE_APPROVERS_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crypto/ed25519.h"

namespace portcullis::gate {

struct Approver {
  std::string id;
  crypto::VerifyingKey key;
  std::vector<std::string> roles;
  std::vector<std::string> tenants;  // "*" for every tenant

  bool MayApproveFor(absl::string_view tenant) const;
  // True when the approver holds at least one of `roles`.
  bool HoldsAnyOf(absl::Span<const std::string> roles) const;
};

class ApproverRegistry {
 public:
  ApproverRegistry() = default;

  // Returns InvalidArgument for a malformed or duplicate id, a tenant that
  // is neither "*" nor a valid tenant id, or an approver with no tenants or
  // no roles.
  static absl::StatusOr<ApproverRegistry> Create(std::vector<Approver> list);

  // The approver with `id`, or null.
  const Approver* Find(absl::string_view id) const;

  size_t size() const { return by_id_.size(); }

 private:
  absl::flat_hash_map<std::string, Approver> by_id_;
};

// The registry in force. A call takes Current() once and uses it to its
// end, so a reload never changes the approvers under a call in flight.
class ApproverHolder {
 public:
  explicit ApproverHolder(ApproverRegistry registry)
      : current_(
            std::make_shared<const ApproverRegistry>(std::move(registry))) {}

  // Never null.
  std::shared_ptr<const ApproverRegistry> Current() const {
    return current_.load();
  }

  // Takes effect for calls that take Current() afterwards.
  void Replace(ApproverRegistry registry) {
    current_.store(
        std::make_shared<const ApproverRegistry>(std::move(registry)));
  }

 private:
  std::atomic<std::shared_ptr<const ApproverRegistry>> current_;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_APPROVERS_H_
