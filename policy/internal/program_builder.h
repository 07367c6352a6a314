// ProgramBuilder checks the parsed files of one policy as a whole and builds
// the Program: the header(s) agree on a version, tenant ids and tool names
// are valid and unique, tools declare a class and well-typed arguments,
// rules compile, and no irreversible tool can be allowed without approval.
// Errors go to the DiagnosticSink with positions; as many as reasonable are
// collected. Not thread-safe; one per compilation.
#ifndef PORTCULLIS_POLICY_INTERNAL_PROGRAM_BUILDER_H_
#define PORTCULLIS_POLICY_INTERNAL_PROGRAM_BUILDER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "policy/internal/ast.h"
#include "policy/internal/diagnostics.h"
#include "policy/internal/program.h"
#include "policy/internal/rule_builder.h"
#include "policy/internal/time_window.h"

namespace portcullis::policy::policy_internal {

class ProgramBuilder {
 public:
  static constexpr size_t kMaxVersionBytes = 128;

  // `sink` must outlive the builder.
  explicit ProgramBuilder(DiagnosticSink* sink)
      : sink_(sink), rules_(&zones_, sink) {}

  // Builds the program from every file's syntax tree, in file order.
  // Returns null when any error was reported.
  std::unique_ptr<Program> Build(const std::vector<FileAst>& files);

 private:
  // A tenant while it is being built.
  struct TenantState {
    CompiledTenant tenant;
    std::optional<std::string> zone;
    absl::flat_hash_map<std::string, Position> rule_ids;
    std::vector<const Rule*> wide_rules;
    std::vector<SessionUse> session_uses;
  };

  void CheckHeaders(const std::vector<FileAst>& files);
  void BuildTenant(const TenantDecl& decl);
  // Reports an invalid or duplicate tenant id; returns false then.
  bool CheckTenantId(const TenantDecl& decl);
  // Builds one tool and adds it to the tenant with its rules gathered.
  void AddTool(const ToolDecl& decl, TenantState* state);
  std::optional<std::string> BuildZone(const TenantDecl& decl);
  // Builds the tool and its own rules, which it appends to tenant->rules.
  bool BuildTool(const ToolDecl& decl, const std::optional<std::string>& zone,
                 CompiledTenant* tenant, CompiledTool* tool,
                 std::vector<SessionUse>* sessions);
  // Checks the tools that session rules name, and fills in the tenant's
  // session settings and each read tool's session charges.
  void BuildSessions(const TenantDecl& decl, TenantState* state);
  bool BuildArguments(const ToolDecl& decl, std::vector<ArgumentSpec>* args);
  std::optional<Type> BuildType(const TypeExpr& expr);
  std::optional<Value> BuildDefault(const ArgDecl& decl, const Type& type);
  void CheckIrreversible(const ToolDecl& decl,
                         const std::vector<const Rule*>& rules);
  bool AddRuleId(const Rule& rule,
                 absl::flat_hash_map<std::string, Position>* ids);

  DiagnosticSink* sink_;
  ZoneCache zones_;
  RuleBuilder rules_;
  std::string version_;
  absl::flat_hash_map<std::string, CompiledTenant> tenants_;
  absl::flat_hash_map<std::string, Position> tenant_positions_;
  std::vector<std::pair<Position, RuleInfo>> rule_infos_;
};

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_PROGRAM_BUILDER_H_
