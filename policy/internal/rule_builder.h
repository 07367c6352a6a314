// RuleBuilder checks one parsed rule and compiles it into a Rule: the id,
// description and reason are validated, the condition is type-checked
// against what the rule can see, and the approval demand or the limit is
// filled in. Every mistake goes to the DiagnosticSink with its position.
// Not thread-safe; one per compilation.
#ifndef PORTCULLIS_POLICY_INTERNAL_RULE_BUILDER_H_
#define PORTCULLIS_POLICY_INTERNAL_RULE_BUILDER_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "policy/internal/ast.h"
#include "policy/internal/condition_compiler.h"
#include "policy/internal/diagnostics.h"
#include "policy/internal/rule.h"
#include "policy/internal/time_window.h"

namespace portcullis::policy::policy_internal {

class RuleBuilder {
 public:
  static constexpr size_t kMaxIdBytes = 64;
  static constexpr size_t kMaxTextBytes = 200;
  static constexpr size_t kMaxRoleBytes = 64;

  // Both pointers must outlive the builder.
  RuleBuilder(ZoneCache* zones, DiagnosticSink* sink)
      : zones_(zones), sink_(sink) {}

  // Builds `decl`, a rule of `tenant` (and of `scope.tool_name`, unless
  // `scope.args` is null: a tenant-wide rule). Returns null after reporting
  // errors.
  std::unique_ptr<Rule> Build(const RuleDecl& decl, const std::string& tenant,
                              const ConditionScope& scope);

  // Reports and returns false unless `text` is 1..kMaxTextBytes bytes
  // without control characters. `what` names it: "the description".
  bool CheckText(const Name& text, absl::string_view what);

 private:
  bool CheckId(const Name& id);
  bool BuildApproval(const RuleDecl& decl, Rule* rule);
  bool BuildAfter(const AfterDecl& after, const ConditionScope& scope,
                  Rule* rule);
  bool BuildRoles(const std::vector<Name>& names,
                  std::vector<std::string>* roles);
  bool BuildLimit(const RuleDecl& decl, const ConditionScope& scope,
                  Rule* rule);
  bool BuildSpend(const RuleDecl& decl, const ConditionScope& scope,
                  Rule* rule);
  bool BuildScopes(const RuleDecl& decl, const ConditionScope& scope,
                   Rule* rule);
  // Resolves args.NAME in `scope`; returns the slot or -1 after reporting.
  int FindArgument(const std::vector<Name>& path, const ConditionScope& scope,
                   absl::string_view use);

  ZoneCache* zones_;
  DiagnosticSink* sink_;
};

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_RULE_BUILDER_H_
