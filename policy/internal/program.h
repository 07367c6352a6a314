// Program is the CompiledPolicy that Compile() builds: tenants in a hash
// map, each with its tools in a hash map, each tool with the rules that
// apply to it already gathered in source order. Deciding an action costs
// two hash lookups and the tool's own rules, whatever the size of the rest
// of the policy. Immutable; thread-safe for concurrent Evaluate().
#ifndef PORTCULLIS_POLICY_INTERNAL_PROGRAM_H_
#define PORTCULLIS_POLICY_INTERNAL_PROGRAM_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "policy/compiled_policy.h"
#include "policy/internal/rule.h"
#include "policy/internal/tool.h"
#include "policy/internal/verdict_builder.h"

namespace portcullis::policy::policy_internal {

struct CompiledTenant {
  std::string id;
  absl::flat_hash_map<std::string, CompiledTool> tools;
  // Owns every rule of the tenant, tenant-wide and per tool.
  std::vector<std::unique_ptr<Rule>> rules;
  SessionSettings sessions;
};

class Program final : public CompiledPolicy {
 public:
  // `rules` lists every rule in source order.
  Program(std::string version,
          absl::flat_hash_map<std::string, CompiledTenant> tenants,
          std::vector<RuleInfo> rules);

  const std::string& version() const override { return version_; }
  bool HasTenant(absl::string_view tenant) const override;
  std::vector<std::string> Tenants() const override;
  std::vector<RuleInfo> Rules() const override { return rules_; }
  std::vector<ToolInfo> Tools(absl::string_view tenant) const override;
  std::vector<ApprovalRequirement> ApprovalRules(
      absl::string_view tenant, absl::string_view tool) const override;
  absl::StatusOr<Verdict> Evaluate(
      const Action& action, absl::Time now, const UsageView& usage,
      std::vector<RuleTrace>* trace = nullptr) const override;

 private:
  // Applies one rule to the action, recording its effect in `builder` and,
  // when `trace` is set, how it fared.
  static void Apply(const Rule& rule, const EvalInput& input,
                    const UsageView& usage, VerdictBuilder* builder,
                    std::vector<RuleTrace>* trace);
  // Records the effect of a rule that applies. Returns whether it took
  // effect: always, except for a limit that is not exceeded. Describes the
  // limit's usage in *limit_text when that is not null.
  // Checks the session bounds for an action that its session would count,
  // and charges it (applied by the gate only when it is allowed).
  static void ApplySessionCharges(const CompiledTenant& tenant,
                                  const CompiledTool& tool,
                                  const EvalInput& input,
                                  const UsageView& usage,
                                  VerdictBuilder* builder,
                                  std::vector<RuleTrace>* trace);
  static bool ApplyEffect(const Rule& rule, const EvalInput& input,
                          const UsageView& usage, VerdictBuilder* builder,
                          std::string* limit_text);

  std::string version_;
  absl::flat_hash_map<std::string, CompiledTenant> tenants_;
  std::vector<RuleInfo> rules_;
};

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_PROGRAM_H_
