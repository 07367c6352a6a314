#include "policy/internal/rule_parser.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "policy/internal/literals.h"

namespace portcullis::policy::policy_internal {
namespace {

struct ClauseInfo {
  absl::string_view word;
  // Which effects accept the clause, and how to say so.
  bool allow, deny, approve, limit;
  absl::string_view applies_to;
};

constexpr ClauseInfo kClauses[] = {
    {"when", true, true, true, true, ""},
    {"unless", true, true, true, true, ""},
    {"reason", false, true, false, true, "deny and limit rules"},
    {"by", false, false, true, false, "approve rules"},
    {"quorum", false, false, true, false, "approve rules"},
    {"expires", false, false, true, false, "approve rules"},
    {"escalate", false, false, true, false, "approve rules"},
    {"per", false, false, false, true, "limit rules"},
    {"after", false, true, true, true,
     "deny, approve and limit rules: a taint only tightens (to allow only "
     "after a tool, write allow when count(tool NAME, 1h, session) >= 1)"},
    {"from", true, true, true, true, ""},
};

const ClauseInfo* FindClause(absl::string_view word) {
  for (const ClauseInfo& info : kClauses) {
    if (info.word == word) return &info;
  }
  return nullptr;
}

bool Accepts(const ClauseInfo& info, Effect effect) {
  switch (effect) {
    case Effect::kAllow:
      return info.allow;
    case Effect::kDeny:
      return info.deny;
    case Effect::kApprove:
      return info.approve;
    case Effect::kLimit:
      return info.limit;
  }
  return false;
}

}  // namespace

bool RuleParser::IsClauseWord(absl::string_view word) {
  return FindClause(word) != nullptr;
}

bool RuleParser::Parse(RuleDecl* out) {
  cursor_->Advance();  // rule
  if (!cursor_->At(TokenKind::kIdent)) {
    cursor_->ErrorExpected("a rule id after 'rule', e.g. rule coupon-cap");
    return false;
  }
  out->id = Name{std::string(cursor_->current().text), cursor_->current().pos};
  cursor_->Advance();
  if (!cursor_->At(TokenKind::kString)) {
    cursor_->ErrorExpected(
        "the rule's one-line description in quotes, e.g. rule coupon-cap "
        "\"coupons are capped at 50 SAR\"");
    return false;
  }
  out->description = Name{DecodeStringLiteral(cursor_->current().text),
                          cursor_->current().pos};
  cursor_->Advance();
  if (!ParseEffect(out)) return false;
  while (cursor_->At(TokenKind::kIdent) &&
         IsClauseWord(cursor_->current().text)) {
    if (!ParseClause(out)) return false;
  }
  if (out->effect == Effect::kApprove &&
      (!out->expires.has_value() || (out->roles.empty() && !out->any_role))) {
    cursor_->Error(out->effect_pos,
                   "an approve rule needs 'by ROLE' (or 'by anyone') and "
                   "'expires DURATION', e.g. approve by owner expires 24h");
    return false;
  }
  return true;
}

bool RuleParser::ParseEffect(RuleDecl* rule) {
  rule->effect_pos = cursor_->current().pos;
  if (cursor_->AcceptWord("allow")) {
    rule->effect = Effect::kAllow;
  } else if (cursor_->AcceptWord("deny")) {
    rule->effect = Effect::kDeny;
  } else if (cursor_->AcceptWord("approve")) {
    rule->effect = Effect::kApprove;
  } else if (cursor_->AcceptWord("limit")) {
    rule->effect = Effect::kLimit;
    return ParseLimitSpec(rule);
  } else {
    cursor_->ErrorExpected(
        "an effect after the description: allow, deny, approve or limit");
    return false;
  }
  return true;
}

bool RuleParser::ParseLimitSpec(RuleDecl* rule) {
  LimitSpec& limit = rule->limit;
  Literal amount;
  if (!AtLiteral(*cursor_)) {
    cursor_->ErrorExpected(
        "a count (limit 20 per 1h) or an amount (limit 500 SAR of "
        "args.value per 24h)");
    return false;
  }
  if (!ParseLiteral(cursor_, &amount)) return false;
  if (amount.kind == Literal::Kind::kInteger) {
    if (amount.integer < 1 || amount.integer > kMaxRateCount) {
      cursor_->Error(amount.pos,
                     absl::StrCat("the count must be between 1 and ",
                                  kMaxRateCount, ", found ", amount.written));
      return false;
    }
    limit.max_count = amount.integer;
  } else if (amount.kind == Literal::Kind::kMoney) {
    limit.spend = true;
    limit.cap = amount;
    if (!cursor_->ExpectWord("of",
                             "'of' and the money argument to add up, "
                             "e.g. limit 500 SAR of args.value per 24h")) {
      return false;
    }
    if (!ParsePath(&limit.amount)) return false;
  } else {
    cursor_->Error(amount.pos,
                   absl::StrCat("a limit is a count (limit 20 per 1h) or an "
                                "amount (limit 500 SAR of args.value per 24h), "
                                "found ",
                                amount.written));
    return false;
  }
  if (!cursor_->ExpectWord("per", "'per' and a window, e.g. per 1h")) {
    return false;
  }
  limit.window_pos = cursor_->current().pos;
  return ParseDuration(cursor_, &limit.window);
}

bool RuleParser::ParseClause(RuleDecl* rule) {
  const ClauseInfo& info = *FindClause(cursor_->current().text);
  Position pos = cursor_->current().pos;
  if (!Accepts(info, rule->effect)) {
    cursor_->Error(pos, absl::StrCat("'", info.word, "' only applies to ",
                                     info.applies_to));
    return false;
  }
  if (info.word == "when" || info.word == "unless") {
    if (rule->condition != nullptr) {
      cursor_->Error(pos, "a rule has at most one 'when' or 'unless'");
      return false;
    }
    return ParseCondition(rule);
  }
  if (AlreadyGiven(info.word, *rule)) {
    cursor_->Error(
        pos, absl::StrCat("'", info.word, "' is given twice in this rule"));
    return false;
  }
  cursor_->Advance();
  if (info.word == "reason") return ParseReason(rule);
  if (info.word == "by") return ParseRoles(&rule->roles, &rule->any_role);
  if (info.word == "quorum") {
    rule->quorum_pos = cursor_->current().pos;
    int64_t quorum = 0;
    if (!ParseCount(cursor_, kMaxQuorum, "the quorum", &quorum)) return false;
    rule->quorum = quorum;
    return true;
  }
  if (info.word == "expires") {
    rule->expires_pos = cursor_->current().pos;
    absl::Duration d;
    if (!ParseDuration(cursor_, &d)) return false;
    rule->expires = d;
    return true;
  }
  if (info.word == "escalate") return ParseEscalation(pos, rule);
  if (info.word == "after") return ParseAfter(pos, rule);
  if (info.word == "from") return ParseProposal(rule);
  return ParseScopes(rule);  // per
}

bool RuleParser::AlreadyGiven(absl::string_view word, const RuleDecl& rule) {
  if (word == "reason") return rule.reason.has_value();
  if (word == "by") return !rule.roles.empty() || rule.any_role;
  if (word == "quorum") return rule.quorum.has_value();
  if (word == "expires") return rule.expires.has_value();
  if (word == "escalate") return rule.escalate_after.has_value();
  if (word == "per") return !rule.scopes.empty();
  if (word == "after") return rule.after.has_value();
  if (word == "from") return rule.proposal.has_value();
  return false;
}

bool RuleParser::ParseReason(RuleDecl* rule) {
  if (!cursor_->At(TokenKind::kString)) {
    cursor_->ErrorExpected("the reason in quotes");
    return false;
  }
  rule->reason = Name{DecodeStringLiteral(cursor_->current().text),
                      cursor_->current().pos};
  cursor_->Advance();
  return true;
}

bool RuleParser::ParseEscalation(Position pos, RuleDecl* rule) {
  rule->escalate_pos = pos;
  absl::Duration d;
  if (!cursor_->ExpectWord("after",
                           "'after', as in: escalate after 4h to manager") ||
      !ParseDuration(cursor_, &d) ||
      !cursor_->ExpectWord("to", "'to' and the roles that may also approve")) {
    return false;
  }
  rule->escalate_after = d;
  bool any = false;
  if (!ParseRoles(&rule->escalate_roles, &any)) return false;
  if (any) {
    cursor_->Error(pos, "escalate to named roles, not to anyone");
    return false;
  }
  return true;
}

bool RuleParser::ParseAfter(Position pos, RuleDecl* rule) {
  AfterDecl after;
  after.pos = pos;
  if (!cursor_->ExpectWord("tool",
                           "'tool' and a tool, as in: after tool "
                           "read_customer_pii") ||
      !ParseToolReference(cursor_, "the name of the tool that taints",
                          &after.tool)) {
    return false;
  }
  if (cursor_->AcceptWord("within")) {
    after.within_pos = cursor_->current().pos;
    absl::Duration d;
    if (!ParseDuration(cursor_, &d)) return false;
    after.within = d;
  }
  rule->after = std::move(after);
  return true;
}

bool RuleParser::ParseProposal(RuleDecl* rule) {
  if (!cursor_->ExpectWord("proposal",
                           "'proposal' and its id, as in: from proposal "
                           "\"3f9a0c1d2e4b5a69\"")) {
    return false;
  }
  if (!cursor_->At(TokenKind::kString)) {
    cursor_->ErrorExpected("the proposal id in quotes");
    return false;
  }
  Name id{DecodeStringLiteral(cursor_->current().text), cursor_->current().pos};
  bool valid = !id.text.empty() && id.text.size() <= kMaxProposalIdBytes;
  for (char c : id.text) {
    valid = valid && (absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                      c == '-' || c == '_');
  }
  if (!valid) {
    cursor_->Error(id.pos,
                   absl::StrCat("a proposal id is 1 to ", kMaxProposalIdBytes,
                                " letters, digits, '-' or '_', found ",
                                cursor_->current().text));
    return false;
  }
  rule->proposal = std::move(id);
  cursor_->Advance();
  return true;
}

bool RuleParser::ParseCondition(RuleDecl* rule) {
  rule->unless = cursor_->AtWord("unless");
  cursor_->Advance();
  Token first = cursor_->current();
  rule->condition = expressions_.ParseCondition();
  if (rule->condition == nullptr) return false;
  rule->condition_text =
      std::string(TokenCursor::Span(first, cursor_->previous()));
  return true;
}

bool RuleParser::ParseRoles(std::vector<Name>* roles, bool* any) {
  if (cursor_->AtWord("anyone")) {
    *any = true;
    cursor_->Advance();
    return true;
  }
  do {
    if (!cursor_->At(TokenKind::kIdent)) {
      cursor_->ErrorExpected("a role name, e.g. owner");
      return false;
    }
    if (roles->size() == kMaxRoles) {
      cursor_->Error(cursor_->current().pos,
                     absl::StrCat("at most ", kMaxRoles, " roles"));
      return false;
    }
    roles->push_back(
        Name{std::string(cursor_->current().text), cursor_->current().pos});
    cursor_->Advance();
  } while (cursor_->Accept(TokenKind::kComma));
  return true;
}

bool RuleParser::ParsePath(std::vector<Name>* path) {
  do {
    if (!cursor_->At(TokenKind::kIdent) || path->size() == 4) {
      cursor_->ErrorExpected(path->empty() ? "a name such as args.value"
                                           : "a name after '.'");
      return false;
    }
    path->push_back(
        Name{std::string(cursor_->current().text), cursor_->current().pos});
    cursor_->Advance();
  } while (cursor_->Accept(TokenKind::kDot));
  return true;
}

bool RuleParser::ParseScopes(RuleDecl* rule) {
  do {
    ScopeDecl scope;
    if (!ParsePath(&scope.path)) return false;
    rule->scopes.push_back(std::move(scope));
    if (rule->scopes.size() > 8) {
      cursor_->Error(rule->scopes.back().path.front().pos,
                     "a limit has at most 8 scopes");
      return false;
    }
  } while (cursor_->Accept(TokenKind::kComma));
  return true;
}

}  // namespace portcullis::policy::policy_internal
