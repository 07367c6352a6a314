// ConditionCompiler type-checks a parsed condition against what a rule can
// see (its tool's arguments, the context, the tool's metadata) and compiles
// it into a Condition: references become slots, literals become constants
// of the compared type, regular expressions are compiled with RE2 and time
// zones loaded. Every mistake is reported with its position. Not
// thread-safe; one per rule.
#ifndef PORTCULLIS_POLICY_INTERNAL_CONDITION_COMPILER_H_
#define PORTCULLIS_POLICY_INTERNAL_CONDITION_COMPILER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "policy/internal/ast.h"
#include "policy/internal/condition.h"
#include "policy/internal/diagnostics.h"
#include "policy/internal/session.h"
#include "policy/internal/time_window.h"
#include "policy/internal/tool.h"
#include "policy/internal/type.h"

namespace portcullis::policy::policy_internal {

// What a condition may refer to.
struct ConditionScope {
  // The tool's arguments in slot order; null for a tenant-wide rule, which
  // cannot read arguments (each tool declares its own).
  const std::vector<ArgumentSpec>* args = nullptr;
  std::string tool_name;  // for messages
  // The tenant's `timezone`, used by hours() and days() without a zone.
  std::optional<std::string> default_zone;
  // The tenant, and where count(), sum() and `after` note the session
  // counters they read (ProgramBuilder checks the tools and charges them).
  std::string tenant;
  std::vector<SessionUse>* sessions = nullptr;
};

class ConditionCompiler {
 public:
  static constexpr size_t kMaxRegexBytes = 1024;
  static constexpr int64_t kMaxRegexMemory = 1 << 20;

  // All pointers must outlive the compiler.
  ConditionCompiler(const ConditionScope* scope, ZoneCache* zones,
                    DiagnosticSink* sink);

  // Returns the compiled condition, or null after reporting errors.
  std::unique_ptr<Condition> Compile(const Expr& expr);

 private:
  // A compiled operand and what it is.
  struct Typed {
    int32_t operand = 0;
    Type type;
    std::string label;  // "args.value", "context.confidence", "len(...)"
  };

  std::optional<int32_t> CompileBool(const Expr& expr);
  std::optional<int32_t> CompileLogical(const Expr& expr);
  std::optional<int32_t> CompileCompare(const Expr& expr);
  std::optional<int32_t> CompileIn(const Expr& expr);
  std::optional<int32_t> CompileText(const Expr& expr);
  std::optional<int32_t> CompileListContains(const Expr& expr,
                                             const Typed& list);
  std::optional<int32_t> CompileMatches(const Expr& expr, const Typed& text);
  std::optional<int32_t> CompileWindow(const Expr& expr);
  std::optional<Typed> CompileOperand(const Expr& expr);
  std::optional<Typed> CompileReference(const Expr& expr);
  std::optional<Typed> CompileArgument(const Expr& expr);
  std::optional<Typed> CompileField(const Expr& expr);
  // Compiles `expr` as a value of `type`: a literal is converted to it, any
  // other operand must have it. `against` names the other side.
  std::optional<Typed> CompileAs(const Expr& expr, const Type& type,
                                 absl::string_view against);
  std::optional<Constant> Coerce(const Literal& literal, const Type& type,
                                 absl::string_view against);
  Typed AddField(Field field, Type type, std::string label);
  std::optional<Typed> CompileSession(const Expr& expr);

  const ConditionScope* scope_;
  ZoneCache* zones_;
  DiagnosticSink* sink_;
  std::unique_ptr<Condition> condition_;
};

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_CONDITION_COMPILER_H_
