// The approvers a gate knows: who may sign approvals, with which key, in
// which roles, for which tenants. Built once from the configuration;
// immutable and thread-safe.
#ifndef PORTCULLIS_GATE_APPROVERS_H_
#define PORTCULLIS_GATE_APPROVERS_H_

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

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_APPROVERS_H_
