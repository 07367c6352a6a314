#include "policy/internal/parser.h"

#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "policy/compiled_policy.h"
#include "policy/internal/literals.h"

namespace portcullis::policy::policy_internal {
namespace {

constexpr absl::string_view kStatementWords[] = {
    "policy",       "tenant", "timezone", "tool",         "class",
    "irreversible", "arg",    "rule",     "max_sessions", "max_session_events"};

}  // namespace

Parser::Parser(absl::string_view text, int file, DiagnosticSink* sink)
    : sink_(sink),
      lexer_(text, file, sink),
      cursor_(&lexer_, sink),
      rules_(&cursor_) {}

bool Parser::AtStatementStart() const {
  if (cursor_.At(TokenKind::kEnd) || cursor_.At(TokenKind::kRBrace)) {
    return true;
  }
  // `after tool X` and `count(tool X, ...)` name a tool; they start nothing.
  if (cursor_.AtWord("tool") && cursor_.consumed() > 0) {
    const Token& before = cursor_.previous();
    if (before.kind == TokenKind::kLParen ||
        (before.kind == TokenKind::kIdent && before.text == "after")) {
      return false;
    }
  }
  for (absl::string_view word : kStatementWords) {
    if (cursor_.AtWord(word)) return true;
  }
  return false;
}

void Parser::Recover(int64_t consumed_before) {
  if (cursor_.consumed() == consumed_before) cursor_.Advance();
  while (!AtStatementStart()) cursor_.Advance();
}

FileAst Parser::Parse() {
  FileAst file;
  bool first = true;
  while (!cursor_.At(TokenKind::kEnd) && !sink_->full()) {
    int64_t before = cursor_.consumed();
    bool ok = true;
    if (cursor_.AtWord("policy")) {
      if (!first) {
        cursor_.Error(cursor_.current().pos,
                      "the policy header must come first in the file, once");
        ok = false;
      } else {
        HeaderDecl header;
        ok = ParseHeader(&header);
        if (ok) file.header = std::move(header);
      }
    } else if (cursor_.AtWord("tenant")) {
      TenantDecl tenant;
      ok = ParseTenant(&tenant);
      file.tenants.push_back(std::move(tenant));
    } else {
      cursor_.ErrorExpected(first ? "'policy' (the header) or 'tenant'"
                                  : "'tenant'");
      ok = false;
    }
    if (!ok) Recover(before);
    first = false;
  }
  return file;
}

bool Parser::ParseHeader(HeaderDecl* out) {
  out->pos = cursor_.current().pos;
  cursor_.Advance();  // policy
  if (!ParseEntityName("the policy's name, e.g. policy \"commerce\"",
                       &out->name)) {
    return false;
  }
  if (!cursor_.ExpectWord("version",
                          "'version' and the policy's version in quotes")) {
    return false;
  }
  if (!cursor_.At(TokenKind::kString)) {
    cursor_.ErrorExpected("the version in quotes, e.g. \"2026-11-21.1\"");
    return false;
  }
  out->version =
      Name{DecodeStringLiteral(cursor_.current().text), cursor_.current().pos};
  cursor_.Advance();
  return true;
}

bool Parser::ParseEntityName(absl::string_view what, Name* out) {
  out->pos = cursor_.current().pos;
  if (cursor_.At(TokenKind::kString)) {
    out->text = DecodeStringLiteral(cursor_.current().text);
    cursor_.Advance();
    return true;
  }
  if (!cursor_.At(TokenKind::kIdent)) {
    cursor_.ErrorExpected(what);
    return false;
  }
  out->text = std::string(cursor_.current().text);
  cursor_.Advance();
  // Tool names may have dots: crm.lookup.
  while (cursor_.At(TokenKind::kDot) &&
         cursor_.lookahead().kind == TokenKind::kIdent &&
         out->text.size() < 256) {
    cursor_.Advance();
    absl::StrAppend(&out->text, ".", cursor_.current().text);
    cursor_.Advance();
  }
  return true;
}

bool Parser::ParseTenant(TenantDecl* out) {
  out->pos = cursor_.current().pos;
  cursor_.Advance();  // tenant
  if (!ParseEntityName("the tenant id, e.g. tenant \"al-noor\"", &out->id) ||
      !cursor_.Expect(TokenKind::kLBrace, "'{' to open the tenant")) {
    return false;
  }
  while (!cursor_.Accept(TokenKind::kRBrace)) {
    if (sink_->full()) return false;
    if (cursor_.At(TokenKind::kEnd) || cursor_.AtWord("tenant") ||
        cursor_.AtWord("policy")) {
      cursor_.ErrorExpected(absl::StrCat("'}' to close tenant \"", out->id.text,
                                         "\" (opened on line ", out->pos.line,
                                         ")"));
      return false;
    }
    int64_t before = cursor_.consumed();
    if (!ParseTenantItem(out)) Recover(before);
  }
  return true;
}

bool Parser::ParseTenantItem(TenantDecl* tenant) {
  if (cursor_.AtWord("timezone")) {
    Position pos = cursor_.current().pos;
    cursor_.Advance();
    if (tenant->zone.has_value()) {
      cursor_.Error(pos, "the tenant's timezone is given twice");
      return false;
    }
    if (!cursor_.At(TokenKind::kString)) {
      cursor_.ErrorExpected(
          "a time zone name in quotes, e.g. "
          "timezone \"Asia/Riyadh\"");
      return false;
    }
    tenant->zone = Name{DecodeStringLiteral(cursor_.current().text),
                        cursor_.current().pos};
    cursor_.Advance();
    return true;
  }
  if (cursor_.AtWord("max_sessions") || cursor_.AtWord("max_session_events")) {
    const bool sessions = cursor_.AtWord("max_sessions");
    Position pos = cursor_.current().pos;
    std::optional<int64_t>& field =
        sessions ? tenant->max_sessions : tenant->max_session_events;
    const int64_t max = sessions ? kMaxSessionsBound : kMaxSessionEventsBound;
    cursor_.Advance();
    if (field.has_value()) {
      cursor_.Error(
          pos, absl::StrCat("the tenant's ",
                            sessions ? "max_sessions" : "max_session_events",
                            " is given twice"));
      return false;
    }
    int64_t value = 0;
    if (!ParseCount(&cursor_, max,
                    sessions ? "max_sessions" : "max_session_events", &value)) {
      return false;
    }
    field = value;
    (sessions ? tenant->max_sessions_pos : tenant->max_session_events_pos) =
        pos;
    return true;
  }
  if (cursor_.AtWord("tool")) {
    ToolDecl tool;
    bool ok = ParseTool(&tool);
    tenant->tools.push_back(std::move(tool));
    return ok;
  }
  if (cursor_.AtWord("rule")) {
    RuleDecl rule;
    if (!rules_.Parse(&rule)) return false;
    tenant->rules.push_back(std::move(rule));
    return true;
  }
  cursor_.ErrorExpected(
      absl::StrCat("'tool', 'rule', 'timezone', 'max_sessions', "
                   "'max_session_events' or '}' in "
                   "tenant \"",
                   tenant->id.text, "\""));
  return false;
}

bool Parser::ParseLoneRule(RuleDecl* out) {
  if (!cursor_.AtWord("rule")) {
    cursor_.ErrorExpected("one rule: rule ID \"DESCRIPTION\" EFFECT [clauses]");
    return false;
  }
  if (!rules_.Parse(out)) return false;
  if (!cursor_.At(TokenKind::kEnd)) {
    cursor_.ErrorExpected(
        "the end of the rule: a proposal is exactly one rule");
    return false;
  }
  return true;
}

bool Parser::ParseTool(ToolDecl* out) {
  out->pos = cursor_.current().pos;
  cursor_.Advance();  // tool
  if (!ParseEntityName("the tool's name, e.g. tool create_coupon",
                       &out->name) ||
      !cursor_.Expect(TokenKind::kLBrace, "'{' to open the tool")) {
    return false;
  }
  while (true) {
    if (cursor_.At(TokenKind::kRBrace)) {
      out->close = cursor_.current().pos;
      cursor_.Advance();
      break;
    }
    if (sink_->full()) return false;
    if (cursor_.At(TokenKind::kEnd) || cursor_.AtWord("tool") ||
        cursor_.AtWord("tenant") || cursor_.AtWord("timezone")) {
      cursor_.ErrorExpected(absl::StrCat("'}' to close tool ", out->name.text,
                                         " (opened on line ", out->pos.line,
                                         ")"));
      return false;
    }
    int64_t before = cursor_.consumed();
    if (!ParseToolItem(out)) Recover(before);
  }
  return true;
}

bool Parser::ParseToolItem(ToolDecl* tool) {
  Position pos = cursor_.current().pos;
  if (cursor_.AcceptWord("class")) {
    if (tool->authority.has_value()) {
      cursor_.Error(pos, "the tool's class is given twice");
      return false;
    }
    if (!cursor_.AtWord("read") && !cursor_.AtWord("draft") &&
        !cursor_.AtWord("write")) {
      cursor_.ErrorExpected("the authority class: read, draft or write");
      return false;
    }
    tool->authority = Name{std::string(cursor_.current().text), pos};
    cursor_.Advance();
    return true;
  }
  if (cursor_.AcceptWord("irreversible")) {
    if (tool->irreversible.has_value()) {
      cursor_.Error(pos, "'irreversible' is given twice");
      return false;
    }
    tool->irreversible = pos;
    return true;
  }
  if (cursor_.AtWord("arg")) {
    ArgDecl arg;
    if (!ParseArg(&arg)) return false;
    tool->args.push_back(std::move(arg));
    return true;
  }
  if (cursor_.AtWord("rule")) {
    RuleDecl rule;
    if (!rules_.Parse(&rule)) return false;
    tool->rules.push_back(std::move(rule));
    return true;
  }
  cursor_.ErrorExpected(
      absl::StrCat("'class', 'irreversible', 'arg', 'rule' or '}' in tool ",
                   tool->name.text));
  return false;
}

bool Parser::ParseArg(ArgDecl* out) {
  cursor_.Advance();  // arg
  if (!cursor_.At(TokenKind::kIdent)) {
    cursor_.ErrorExpected("the argument's name, e.g. arg value: money(SAR)");
    return false;
  }
  out->name = Name{std::string(cursor_.current().text), cursor_.current().pos};
  cursor_.Advance();
  if (!cursor_.Expect(TokenKind::kColon,
                      "':' and the argument's type, e.g. arg value: "
                      "money(SAR)") ||
      !ParseType(&out->type, 0)) {
    return false;
  }
  if (!cursor_.Accept(TokenKind::kAssign)) return true;
  if (cursor_.At(TokenKind::kLBracket)) {
    cursor_.Advance();
    std::vector<Literal> elements;
    if (!cursor_.At(TokenKind::kRBracket)) {
      do {
        Literal element;
        if (elements.size() == ExpressionParser::kMaxListElements ||
            !ParseLiteral(&cursor_, &element)) {
          return false;
        }
        elements.push_back(std::move(element));
      } while (cursor_.Accept(TokenKind::kComma));
    }
    if (!cursor_.Expect(TokenKind::kRBracket, "',' or ']'")) return false;
    out->default_list = std::move(elements);
    return true;
  }
  Literal value;
  if (!ParseLiteral(&cursor_, &value)) return false;
  out->default_value = std::move(value);
  return true;
}

bool Parser::ParseType(TypeExpr* out, int depth) {
  out->pos = cursor_.current().pos;
  if (depth >= kMaxTypeDepth) {
    cursor_.Error(out->pos, absl::StrCat("lists nest at most ", kMaxTypeDepth,
                                         " levels deep"));
    return false;
  }
  if (cursor_.AcceptWord("string")) {
    out->kind = TypeExpr::Kind::kString;
    return true;
  }
  if (cursor_.AcceptWord("int")) {
    out->kind = TypeExpr::Kind::kInteger;
    return true;
  }
  if (cursor_.AcceptWord("bool")) {
    out->kind = TypeExpr::Kind::kBool;
    return true;
  }
  if (cursor_.AtWord("money")) return ParseMoneyType(out);
  if (cursor_.AtWord("enum")) return ParseEnumType(out);
  if (cursor_.AcceptWord("list")) {
    out->kind = TypeExpr::Kind::kList;
    out->element = std::make_unique<TypeExpr>();
    return cursor_.Expect(TokenKind::kLParen, "'(' as in list(of string)") &&
           cursor_.ExpectWord("of", "'of' as in list(of string)") &&
           ParseType(out->element.get(), depth + 1) &&
           cursor_.Expect(TokenKind::kRParen, "')' to close list(");
  }
  cursor_.ErrorExpected(
      "a type: string, int, bool, money(SAR), enum(a, b) or list(of T)");
  return false;
}

bool Parser::ParseMoneyType(TypeExpr* out) {
  out->kind = TypeExpr::Kind::kMoney;
  cursor_.Advance();  // money
  if (!cursor_.Expect(TokenKind::kLParen,
                      "'(' and a currency, as in "
                      "money(SAR)")) {
    return false;
  }
  if (!cursor_.At(TokenKind::kIdent) ||
      !LooksLikeCurrency(cursor_.current().text)) {
    cursor_.ErrorExpected("an ISO 4217 currency code such as SAR");
    return false;
  }
  out->currency = std::string(cursor_.current().text);
  out->currency_pos = cursor_.current().pos;
  cursor_.Advance();
  if (cursor_.Accept(TokenKind::kComma)) {
    const Token& digits = cursor_.current();
    int64_t value = -1;
    if (digits.kind != TokenKind::kInteger ||
        !absl::SimpleAtoi(digits.text, &value) || value > 6) {
      cursor_.ErrorExpected("the number of decimals, 0 to 6");
      return false;
    }
    out->minor_units = value;
    cursor_.Advance();
  }
  return cursor_.Expect(TokenKind::kRParen, "')' to close money(");
}

bool Parser::ParseEnumType(TypeExpr* out) {
  out->kind = TypeExpr::Kind::kEnum;
  cursor_.Advance();  // enum
  if (!cursor_.Expect(TokenKind::kLParen,
                      "'(' and the values, as in "
                      "enum(gold, silver)")) {
    return false;
  }
  do {
    const Token& member = cursor_.current();
    if (member.kind == TokenKind::kIdent) {
      out->members.push_back(Name{std::string(member.text), member.pos});
    } else if (member.kind == TokenKind::kString) {
      out->members.push_back(
          Name{DecodeStringLiteral(member.text), member.pos});
    } else {
      cursor_.ErrorExpected("an enum value (a name or a \"string\")");
      return false;
    }
    cursor_.Advance();
    if (out->members.size() > ExpressionParser::kMaxListElements) {
      cursor_.Error(out->pos, "an enum has at most 1000 values");
      return false;
    }
  } while (cursor_.Accept(TokenKind::kComma));
  return cursor_.Expect(TokenKind::kRParen, "',' or ')' in enum(");
}

}  // namespace portcullis::policy::policy_internal
