// RuleParser parses one rule: its id, description, effect and clauses.
//
//   rule    = "rule" NAME STRING effect { clause } ;
//   effect  = "allow" | "deny" | "approve"
//           | "limit" INTEGER "per" DURATION
//           | "limit" MONEY "of" reference "per" DURATION ;
//   clause  = ("when" | "unless") condition | "reason" STRING
//           | "by" roles | "quorum" INTEGER | "expires" DURATION
//           | "escalate" "after" DURATION "to" roles
//           | "per" scope { "," scope }
//           | "from" "proposal" STRING ;
//
// A clause that does not fit the effect (quorum on a deny) or that is given
// twice is a syntax error at the clause. Not thread-safe.
#ifndef PORTCULLIS_POLICY_INTERNAL_RULE_PARSER_H_
#define PORTCULLIS_POLICY_INTERNAL_RULE_PARSER_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "policy/internal/ast.h"
#include "policy/internal/expression_parser.h"
#include "policy/internal/token_cursor.h"

namespace portcullis::policy::policy_internal {

class RuleParser {
 public:
  static constexpr int64_t kMaxQuorum = 100;
  static constexpr int64_t kMaxRateCount = 1000000000;
  static constexpr size_t kMaxRoles = 32;
  static constexpr size_t kMaxProposalIdBytes = 64;

  // `cursor` must outlive the parser.
  explicit RuleParser(TokenCursor* cursor)
      : cursor_(cursor), expressions_(cursor) {}

  // Parses a rule starting at the word `rule`. Returns false after
  // reporting an error.
  bool Parse(RuleDecl* out);

  // True when `word` begins a clause of some rule.
  static bool IsClauseWord(absl::string_view word);

 private:
  bool ParseEffect(RuleDecl* rule);
  bool ParseLimitSpec(RuleDecl* rule);
  bool ParseClause(RuleDecl* rule);
  // True when the clause `word` (other than when/unless) was already given.
  static bool AlreadyGiven(absl::string_view word, const RuleDecl& rule);
  bool ParseReason(RuleDecl* rule);
  bool ParseEscalation(Position pos, RuleDecl* rule);
  bool ParseCondition(RuleDecl* rule);
  // from proposal "ID"
  bool ParseProposal(RuleDecl* rule);
  // after tool NAME [within DURATION]
  bool ParseAfter(Position pos, RuleDecl* rule);
  bool ParseRoles(std::vector<Name>* roles, bool* any);
  bool ParsePath(std::vector<Name>* path);
  bool ParseScopes(RuleDecl* rule);

  TokenCursor* cursor_;
  ExpressionParser expressions_;
};

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_RULE_PARSER_H_
