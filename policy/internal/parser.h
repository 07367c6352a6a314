// Parser turns one policy file into a FileAst: the header, tenants, tools,
// arguments and rules as written (see docs/policy-language.md for the
// grammar). Syntax errors are reported to the DiagnosticSink; the parser
// then skips to the next statement and goes on, so one run reports several
// mistakes. Runs in time linear in the input. Not thread-safe.
#ifndef PORTCULLIS_POLICY_INTERNAL_PARSER_H_
#define PORTCULLIS_POLICY_INTERNAL_PARSER_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "policy/internal/ast.h"
#include "policy/internal/diagnostics.h"
#include "policy/internal/lexer.h"
#include "policy/internal/rule_parser.h"
#include "policy/internal/token_cursor.h"

namespace portcullis::policy::policy_internal {

class Parser {
 public:
  static constexpr int kMaxTypeDepth = 4;

  // `text` and `sink` must outlive the parser; `file` labels positions.
  Parser(absl::string_view text, int file, DiagnosticSink* sink);

  // Parses the whole file. The result is meaningful only when the sink has
  // no errors.
  FileAst Parse();

  // Parses the whole text as exactly one rule (an amendment proposal,
  // docs/approvals.md). Returns false after reporting an error.
  bool ParseLoneRule(RuleDecl* out);

 private:
  bool ParseHeader(HeaderDecl* out);
  bool ParseTenant(TenantDecl* out);
  bool ParseTenantItem(TenantDecl* tenant);
  bool ParseTool(ToolDecl* out);
  bool ParseToolItem(ToolDecl* tool);
  bool ParseArg(ArgDecl* out);
  bool ParseType(TypeExpr* out, int depth);
  bool ParseMoneyType(TypeExpr* out);
  bool ParseEnumType(TypeExpr* out);
  // A tenant id or tool name: a string, or a name with optional dots.
  bool ParseEntityName(absl::string_view what, Name* out);

  // True at a token that starts a statement, or at '}' or the end.
  bool AtStatementStart() const;
  // Skips to the next statement; always consumes at least one token when
  // nothing was consumed since `consumed_before`.
  void Recover(int64_t consumed_before);

  DiagnosticSink* sink_;
  Lexer lexer_;
  TokenCursor cursor_;
  RuleParser rules_;
};

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_PARSER_H_
