// ExpressionParser parses the conditions that follow `when` and `unless`:
//
//   condition  = or ;
//   or         = and { "or" and } ;
//   and        = unary { "and" unary } ;
//   unary      = "not" unary | comparison ;
//   comparison = operand [ compare_op operand | ["not"] "in" list
//                        | text_op operand ] ;
//   operand    = "(" condition ")" | reference | literal | call ;
//   call       = len(...) | hours(...) | days(...)
//              | "count" "(" "tool" TOOL "," DURATION "," NAME ")"
//              | "sum" "(" reference "," DURATION "," NAME ")" ;
//
// Nesting (parentheses, `not`, calls) is bounded by kMaxDepth so that no
// input can exhaust the stack. Not thread-safe.
#ifndef PORTCULLIS_POLICY_INTERNAL_EXPRESSION_PARSER_H_
#define PORTCULLIS_POLICY_INTERNAL_EXPRESSION_PARSER_H_

#include <memory>

#include "policy/internal/ast.h"
#include "policy/internal/token_cursor.h"

namespace portcullis::policy::policy_internal {

class ExpressionParser {
 public:
  static constexpr int kMaxDepth = 32;
  static constexpr size_t kMaxListElements = 1000;

  // `cursor` must outlive the parser.
  explicit ExpressionParser(TokenCursor* cursor) : cursor_(cursor) {}

  // Parses a condition starting at the current token. Returns null after
  // reporting an error.
  std::unique_ptr<Expr> ParseCondition();

 private:
  std::unique_ptr<Expr> ParseOr(int depth);
  std::unique_ptr<Expr> ParseAnd(int depth);
  std::unique_ptr<Expr> ParseUnary(int depth);
  std::unique_ptr<Expr> ParseComparison(int depth);
  std::unique_ptr<Expr> ParseOperand(int depth);
  std::unique_ptr<Expr> ParseReference();
  std::unique_ptr<Expr> ParseLength(int depth);
  std::unique_ptr<Expr> ParseHours();
  // count(tool NAME, WINDOW, SCOPE) or sum(args.NAME, WINDOW, SCOPE).
  std::unique_ptr<Expr> ParseSessionCall();
  std::unique_ptr<Expr> ParseDays();
  bool ParseDay(int* index);
  // Parses `, "zone"` if present and the closing ')'.
  bool ParseZoneAndClose(Expr* call);
  bool ParseList(std::vector<Literal>* out);
  bool TooDeep(int depth);

  TokenCursor* cursor_;
};

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_EXPRESSION_PARSER_H_
