// Condition is a compiled `when` / `unless` test: a flat array of nodes
// whose argument references were resolved to slots and whose constants,
// regular expressions and time zones were prepared at compile time, so that
// evaluating one allocates nothing. Built by ConditionCompiler; immutable
// afterwards and thread-safe for concurrent Evaluate().
#ifndef PORTCULLIS_POLICY_INTERNAL_CONDITION_H_
#define PORTCULLIS_POLICY_INTERNAL_CONDITION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "policy/action.h"
#include "policy/decimal.h"
#include "policy/internal/ast.h"
#include "policy/internal/session.h"
#include "policy/internal/time_window.h"
#include "policy/usage.h"
#include "re2/re2.h"

namespace portcullis::policy::policy_internal {

struct CompiledTool;

// Everything a condition can read while deciding one action.
struct EvalInput {
  const Action* action = nullptr;
  const CompiledTool* tool = nullptr;
  // The tool's arguments by slot (declaration order sorted by name), with
  // defaults filled in: never null once bound.
  absl::Span<const Value* const> args;
  absl::Time now;
  // Session counters, read by count() and sum(): the usage view and the
  // action's session key tail (SessionTail), set when the tenant has
  // session rules.
  const UsageView* usage = nullptr;
  absl::string_view session_tail;
};

// How two values are compared at run time; chosen by the type checker.
enum class Domain : uint8_t { kText, kInteger, kNumber, kBool, kMoney, kList };

// Values a condition can read besides arguments.
enum class Field : uint8_t {
  kConfidence,     // number; 0 when the agent reports none
  kHasConfidence,  // bool
  kRunMode,        // enum(interactive, unattended)
  kAgent,
  kSessionId,
  kRequestId,
  kCorrelationId,
  kToolName,
  kToolClass,  // enum(read, draft, write)
  kToolIrreversible,
};

struct Operand {
  enum class Source : uint8_t {
    kArgument,
    kField,
    kConstant,
    kLength,
    kSession,  // index: a SessionQuery
  };
  Source source = Source::kConstant;
  Domain domain = Domain::kText;
  // Argument slot, Field, constant index, or (kLength) the operand measured.
  int32_t index = 0;
};

// A constant of a condition, in every representation a domain may need.
struct Constant {
  std::string text;
  int64_t integer = 0;
  double number = 0;
  bool boolean = false;
  Decimal amount;
};

struct Node {
  enum class Kind : uint8_t {
    kAnd,           // children
    kOr,            // children
    kNot,           // children: one
    kTest,          // lhs: a bool operand
    kCompare,       // lhs op rhs
    kIn,            // lhs in constants [first, first + count)
    kStartsWith,    // lhs, rhs: text
    kEndsWith,      // lhs, rhs: text
    kContainsText,  // lhs, rhs: text
    kListContains,  // lhs: list, rhs: element (in `element` domain)
    kMatches,       // lhs: text, aux: regex
    kWindow,        // aux: time window
  };
  Kind kind = Kind::kTest;
  CompareOp op = CompareOp::kEq;
  Domain element = Domain::kText;  // kListContains
  bool negated = false;            // kIn: "not in"
  int32_t lhs = 0;
  int32_t rhs = 0;
  int32_t first = 0;
  int32_t count = 0;
  int32_t aux = 0;
};

class Condition {
 public:
  Condition() = default;
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  // Returns whether the condition holds for `input`. `input.args` must have
  // been bound against the tool this condition was compiled for.
  bool Evaluate(const EvalInput& input) const { return Eval(root_, input); }

  // Describes the values the condition read, for traces:
  // "args.value = 50.01 SAR; Sun 2026-01-04 08:59:00 in Asia/Riyadh".
  std::string DescribeInputs(const EvalInput& input) const;

  // Building, for ConditionCompiler. Each returns the new item's index.
  int32_t AddOperand(Operand operand);
  int32_t AddConstant(Constant constant);
  int32_t AddNode(Node node);
  // Appends child node indexes; returns the index of the first.
  int32_t AddChildren(absl::Span<const int32_t> nodes);
  int32_t AddRegex(std::unique_ptr<RE2> regex);
  int32_t AddWindow(TimeWindow window);
  int32_t AddSessionQuery(SessionQuery query);
  const Operand& operand(int32_t index) const { return operands_[index]; }
  void SetRoot(int32_t node) { root_ = node; }
  // Records an operand to show in DescribeInputs under `label`.
  void AddTraced(std::string label, int32_t operand);

 private:
  // Runtime view of one operand's value.
  struct Scalar {
    absl::string_view text;
    int64_t integer = 0;
    double number = 0;
    bool boolean = false;
    const Decimal* amount = nullptr;
    const Value::List* list = nullptr;
  };
  // Reads a session query; a money sum goes to *amount (and s.amount
  // points there), so Scalar stays small for every other read.
  Scalar ReadSession(const SessionQuery& query, const EvalInput& input,
                     Decimal* amount) const;
  // Read, for an operand that may be a money sum: `storage` holds it.
  Scalar ReadWith(int32_t operand, const EvalInput& input,
                  Decimal* storage) const;

  bool Eval(int32_t node, const EvalInput& input) const;
  bool EvalCompare(const Node& node, const EvalInput& input) const;
  bool EvalIn(const Node& node, const EvalInput& input) const;
  bool EvalListContains(const Node& node, const EvalInput& input) const;
  Scalar Read(int32_t operand, const EvalInput& input) const;
  static Scalar FromValue(const Value& value, Domain domain);
  static Scalar ReadField(Field field, const EvalInput& input);
  static bool Compare(CompareOp op, Domain domain, const Scalar& a,
                      const Scalar& b);

  std::vector<Node> nodes_;
  std::vector<int32_t> children_;
  std::vector<Operand> operands_;
  std::vector<Constant> constants_;
  std::vector<std::unique_ptr<RE2>> regexes_;
  std::vector<TimeWindow> windows_;
  std::vector<SessionQuery> sessions_;
  std::vector<std::pair<std::string, int32_t>> traced_;
  int32_t root_ = 0;
};

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_CONDITION_H_
