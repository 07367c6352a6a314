// A hand-built CompiledPolicy for testing the gate core apart from the
// policy compiler: per tenant, tools that are allowed, denied or need
// approval, and optionally a rate limit per tool. Immutable after set-up;
// thread-safe for concurrent Evaluate.
#ifndef PORTCULLIS_TESTS_TESTING_FAKE_POLICY_H_
#define PORTCULLIS_TESTS_TESTING_FAKE_POLICY_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "policy/compiled_policy.h"

namespace portcullis::testing {

// How the fake treats one tool.
struct FakeTool {
  policy::Outcome outcome = policy::Outcome::kAllow;
  int rate_limit = 0;  // allowed per hour; 0 for none
  // When set, actions carrying an argument of this name are rejected as
  // mistyped (InvalidArgument), as the real compiler would.
  std::string forbidden_argument;
};

class FakePolicy final : public policy::CompiledPolicy {
 public:
  using Tool = FakeTool;

  explicit FakePolicy(std::string version = "fake-1")
      : version_(std::move(version)) {}

  FakePolicy& Add(const std::string& tenant, const std::string& tool,
                  Tool spec = {}) {
    tenants_[tenant][tool] = spec;
    return *this;
  }

  const std::string& version() const override { return version_; }
  bool HasTenant(absl::string_view tenant) const override {
    return tenants_.count(std::string(tenant)) > 0;
  }
  std::vector<std::string> Tenants() const override {
    std::vector<std::string> out;
    for (const auto& [tenant, tools] : tenants_) out.push_back(tenant);
    return out;
  }
  std::vector<policy::RuleInfo> Rules() const override { return {}; }
  std::vector<policy::ToolInfo> Tools(absl::string_view tenant) const override {
    std::vector<policy::ToolInfo> out;
    auto it = tenants_.find(std::string(tenant));
    if (it == tenants_.end()) return out;
    for (const auto& [tool, spec] : it->second) out.push_back({tool, {}});
    return out;
  }

  absl::StatusOr<policy::Verdict> Evaluate(
      const policy::Action& action, absl::Time now,
      const policy::UsageView& usage,
      std::vector<policy::RuleTrace>* trace) const override {
    policy::Verdict v;
    auto tenant = tenants_.find(action.tenant);
    const Tool* tool = nullptr;
    if (tenant != tenants_.end()) {
      auto it = tenant->second.find(action.tool);
      if (it != tenant->second.end()) tool = &it->second;
    }
    if (tool == nullptr) {
      v.outcome = policy::Outcome::kDeny;
      v.decided_by = {{"builtin:not-allowlisted", "default deny"}};
      v.reasons = {"tool is not allowlisted"};
      return v;
    }
    if (!tool->forbidden_argument.empty() &&
        action.arguments.count(tool->forbidden_argument) > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "argument ", tool->forbidden_argument, " is not declared"));
    }
    v.outcome = tool->outcome;
    v.decided_by = {{action.tool + "-rule", "fake rule"}};
    v.reasons = {"fake reason"};
    if (tool->outcome == policy::Outcome::kPendingApproval) {
      v.approvals = {
          {action.tool + "-rule", {"owner"}, 1, absl::Hours(1), std::nullopt}};
    }
    if (tool->rate_limit > 0) {
      std::string counter = absl::StrCat(action.tenant, "/", action.tool);
      if (usage.Count(counter, now - absl::Hours(1)) + 1 > tool->rate_limit) {
        v.outcome = policy::Outcome::kDeny;
        v.decided_by = {{action.tool + "-rate", "rate limit"}};
        v.reasons = {"rate limit reached"};
      } else if (v.outcome == policy::Outcome::kAllow) {
        v.charges = {{counter, absl::Hours(1), std::nullopt}};
      }
    }
    return v;
  }

 private:
  std::string version_;
  std::map<std::string, std::map<std::string, Tool>> tenants_;
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_FAKE_POLICY_H_
