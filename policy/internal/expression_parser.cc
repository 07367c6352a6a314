#include "policy/internal/expression_parser.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "policy/internal/literals.h"

namespace portcullis::policy::policy_internal {
namespace {

constexpr absl::string_view kDayNames[] = {"sun", "mon", "tue", "wed",
                                           "thu", "fri", "sat"};

std::optional<CompareOp> CompareOpOf(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEq:
      return CompareOp::kEq;
    case TokenKind::kNe:
      return CompareOp::kNe;
    case TokenKind::kLt:
      return CompareOp::kLt;
    case TokenKind::kLe:
      return CompareOp::kLe;
    case TokenKind::kGt:
      return CompareOp::kGt;
    case TokenKind::kGe:
      return CompareOp::kGe;
    default:
      return std::nullopt;
  }
}

std::optional<TextOp> TextOpOf(const Token& token) {
  if (token.kind != TokenKind::kIdent) return std::nullopt;
  if (token.text == "starts_with") return TextOp::kStartsWith;
  if (token.text == "ends_with") return TextOp::kEndsWith;
  if (token.text == "contains") return TextOp::kContains;
  if (token.text == "matches") return TextOp::kMatches;
  return std::nullopt;
}

int DayIndex(absl::string_view name) {
  for (int i = 0; i < 7; ++i) {
    if (kDayNames[i] == name) return i;
  }
  return -1;
}

// Words that begin statements: a condition cut short runs into one.
bool IsStatementWord(absl::string_view word) {
  return word == "rule" || word == "tool" || word == "tenant" ||
         word == "arg" || word == "class" || word == "irreversible" ||
         word == "timezone" || word == "policy";
}

std::unique_ptr<Expr> MakeExpr(Expr::Kind kind, Position pos) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->pos = pos;
  return e;
}

}  // namespace

std::unique_ptr<Expr> ExpressionParser::ParseCondition() { return ParseOr(0); }

bool ExpressionParser::TooDeep(int depth) {
  if (depth <= kMaxDepth) return false;
  cursor_->Error(cursor_->current().pos,
                 absl::StrCat("condition is nested more than ", kMaxDepth,
                              " levels deep; simplify it"));
  return true;
}

std::unique_ptr<Expr> ExpressionParser::ParseOr(int depth) {
  std::unique_ptr<Expr> first = ParseAnd(depth);
  if (first == nullptr || !cursor_->AtWord("or")) return first;
  auto any = MakeExpr(Expr::Kind::kOr, first->pos);
  any->operands.push_back(std::move(first));
  while (cursor_->AcceptWord("or")) {
    std::unique_ptr<Expr> next = ParseAnd(depth);
    if (next == nullptr) return nullptr;
    any->operands.push_back(std::move(next));
  }
  return any;
}

std::unique_ptr<Expr> ExpressionParser::ParseAnd(int depth) {
  std::unique_ptr<Expr> first = ParseUnary(depth);
  if (first == nullptr || !cursor_->AtWord("and")) return first;
  auto all = MakeExpr(Expr::Kind::kAnd, first->pos);
  all->operands.push_back(std::move(first));
  while (cursor_->AcceptWord("and")) {
    std::unique_ptr<Expr> next = ParseUnary(depth);
    if (next == nullptr) return nullptr;
    all->operands.push_back(std::move(next));
  }
  return all;
}

std::unique_ptr<Expr> ExpressionParser::ParseUnary(int depth) {
  if (TooDeep(depth)) return nullptr;
  if (!cursor_->AtWord("not")) return ParseComparison(depth);
  auto negation = MakeExpr(Expr::Kind::kNot, cursor_->current().pos);
  cursor_->Advance();
  std::unique_ptr<Expr> operand = ParseUnary(depth + 1);
  if (operand == nullptr) return nullptr;
  negation->operands.push_back(std::move(operand));
  return negation;
}

std::unique_ptr<Expr> ExpressionParser::ParseComparison(int depth) {
  std::unique_ptr<Expr> left = ParseOperand(depth);
  if (left == nullptr) return nullptr;
  const Token& op = cursor_->current();
  std::unique_ptr<Expr> result;
  if (std::optional<CompareOp> compare = CompareOpOf(op.kind)) {
    result = MakeExpr(Expr::Kind::kCompare, op.pos);
    result->compare = *compare;
    cursor_->Advance();
    std::unique_ptr<Expr> right = ParseOperand(depth);
    if (right == nullptr) return nullptr;
    result->operands.push_back(std::move(left));
    result->operands.push_back(std::move(right));
  } else if (std::optional<TextOp> text_op = TextOpOf(op)) {
    result = MakeExpr(Expr::Kind::kText, op.pos);
    result->text_op = *text_op;
    cursor_->Advance();
    std::unique_ptr<Expr> right = ParseOperand(depth);
    if (right == nullptr) return nullptr;
    result->operands.push_back(std::move(left));
    result->operands.push_back(std::move(right));
  } else if (cursor_->AtWord("in") || cursor_->AtWord("not")) {
    result = MakeExpr(Expr::Kind::kIn, op.pos);
    result->negated = cursor_->AcceptWord("not");
    if (!cursor_->ExpectWord("in", "'in' after 'not'")) return nullptr;
    if (!ParseList(&result->list)) return nullptr;
    result->operands.push_back(std::move(left));
  } else {
    return left;
  }
  if (CompareOpOf(cursor_->current().kind).has_value()) {
    cursor_->Error(cursor_->current().pos,
                   "comparisons cannot be chained: join them with 'and'");
    return nullptr;
  }
  return result;
}

std::unique_ptr<Expr> ExpressionParser::ParseOperand(int depth) {
  if (TooDeep(depth)) return nullptr;
  if (cursor_->At(TokenKind::kLParen)) {
    cursor_->Advance();
    std::unique_ptr<Expr> inner = ParseOr(depth + 1);
    if (inner == nullptr) return nullptr;
    if (!cursor_->Expect(TokenKind::kRParen, "')'")) return nullptr;
    return inner;
  }
  if (AtLiteral(*cursor_)) {
    auto literal = MakeExpr(Expr::Kind::kLiteral, cursor_->current().pos);
    if (!ParseLiteral(cursor_, &literal->literal)) return nullptr;
    return literal;
  }
  if (cursor_->At(TokenKind::kIdent)) {
    if (IsStatementWord(cursor_->current().text) &&
        cursor_->lookahead().kind != TokenKind::kDot) {
      cursor_->ErrorExpected("a value to finish the condition");
      return nullptr;
    }
    if (cursor_->lookahead().kind == TokenKind::kLParen) {
      if (cursor_->AtWord("len")) return ParseLength(depth);
      if (cursor_->AtWord("hours")) return ParseHours();
      if (cursor_->AtWord("days")) return ParseDays();
      if (cursor_->AtWord("count") || cursor_->AtWord("sum")) {
        return ParseSessionCall();
      }
      cursor_->Error(
          cursor_->current().pos,
          absl::StrCat("unknown function ", DescribeToken(cursor_->current()),
                       ": the functions are len, hours, days, count and sum"));
      return nullptr;
    }
    return ParseReference();
  }
  if (cursor_->At(TokenKind::kLBracket)) {
    cursor_->Error(cursor_->current().pos,
                   "a list can only follow 'in', as in: args.tier in "
                   "[\"gold\", \"silver\"]");
    return nullptr;
  }
  cursor_->ErrorExpected(
      "a condition (such as args.value > 50 SAR, context.confidence < 0.8 or "
      "hours(09:00-18:00))");
  return nullptr;
}

std::unique_ptr<Expr> ExpressionParser::ParseReference() {
  auto ref = MakeExpr(Expr::Kind::kRef, cursor_->current().pos);
  ref->path.push_back(
      Name{std::string(cursor_->current().text), cursor_->current().pos});
  cursor_->Advance();
  while (cursor_->Accept(TokenKind::kDot)) {
    if (!cursor_->At(TokenKind::kIdent)) {
      cursor_->ErrorExpected("a name after '.'");
      return nullptr;
    }
    if (ref->path.size() == 4) {
      cursor_->Error(cursor_->current().pos, "name has too many parts");
      return nullptr;
    }
    ref->path.push_back(
        Name{std::string(cursor_->current().text), cursor_->current().pos});
    cursor_->Advance();
  }
  return ref;
}

std::unique_ptr<Expr> ExpressionParser::ParseLength(int depth) {
  auto call = MakeExpr(Expr::Kind::kLength, cursor_->current().pos);
  cursor_->Advance();  // len
  cursor_->Advance();  // (
  std::unique_ptr<Expr> operand = ParseOperand(depth + 1);
  if (operand == nullptr) return nullptr;
  call->operands.push_back(std::move(operand));
  if (!cursor_->Expect(TokenKind::kRParen, "')' to close len(")) return nullptr;
  return call;
}

std::unique_ptr<Expr> ExpressionParser::ParseSessionCall() {
  const bool count = cursor_->AtWord("count");
  auto call =
      MakeExpr(count ? Expr::Kind::kSessionCount : Expr::Kind::kSessionSum,
               cursor_->current().pos);
  cursor_->Advance();  // count | sum
  cursor_->Advance();  // (
  if (count) {
    if (!cursor_->ExpectWord("tool",
                             "'tool' and the tool to count, as in "
                             "count(tool refund_order, 1h, session)") ||
        !ParseToolReference(cursor_, "the name of the tool to count",
                            &call->session_tool)) {
      return nullptr;
    }
  } else {
    if (!cursor_->At(TokenKind::kIdent)) {
      cursor_->ErrorExpected(
          "the argument to add up, as in sum(args.amount, 24h, session)");
      return nullptr;
    }
    std::unique_ptr<Expr> ref = ParseReference();
    if (ref == nullptr) return nullptr;
    call->operands.push_back(std::move(ref));
  }
  if (!cursor_->Expect(TokenKind::kComma,
                       "',' and the window, e.g. , 1h, session)")) {
    return nullptr;
  }
  call->window_pos = cursor_->current().pos;
  if (!ParseDuration(cursor_, &call->window)) return nullptr;
  if (!cursor_->Expect(TokenKind::kComma, "',' and the scope: session")) {
    return nullptr;
  }
  if (!cursor_->At(TokenKind::kIdent)) {
    cursor_->ErrorExpected("the scope: session");
    return nullptr;
  }
  call->scope =
      Name{std::string(cursor_->current().text), cursor_->current().pos};
  cursor_->Advance();
  if (!cursor_->Expect(TokenKind::kRParen, "')'")) return nullptr;
  return call;
}

std::unique_ptr<Expr> ExpressionParser::ParseHours() {
  auto call = MakeExpr(Expr::Kind::kHours, cursor_->current().pos);
  cursor_->Advance();  // hours
  cursor_->Advance();  // (
  int minutes[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    if (i == 1 && !cursor_->Expect(TokenKind::kMinus,
                                   "'-' between the start and end times")) {
      return nullptr;
    }
    const Token& clock = cursor_->current();
    if (clock.kind != TokenKind::kClock) {
      cursor_->ErrorExpected("a time of day such as 09:00");
      return nullptr;
    }
    auto parsed = ParseClockText(clock.text);
    if (!parsed.ok()) {
      cursor_->Error(clock.pos, std::string(parsed.status().message()));
      return nullptr;
    }
    if (i == 0 && *parsed == 24 * 60) {
      cursor_->Error(clock.pos, "a window cannot start at 24:00");
      return nullptr;
    }
    minutes[i] = *parsed;
    cursor_->Advance();
  }
  if (minutes[0] == minutes[1] || (minutes[0] == 0 && minutes[1] == 24 * 60)) {
    cursor_->Error(call->pos,
                   "the window must not be empty or the whole day; for an "
                   "overnight window write e.g. 22:00-06:00");
    return nullptr;
  }
  call->start_minute = minutes[0];
  call->end_minute = minutes[1];
  if (!ParseZoneAndClose(call.get())) return nullptr;
  return call;
}

std::unique_ptr<Expr> ExpressionParser::ParseDays() {
  auto call = MakeExpr(Expr::Kind::kDays, cursor_->current().pos);
  cursor_->Advance();  // days
  cursor_->Advance();  // (
  while (true) {
    int first = 0;
    int last = 0;
    if (!ParseDay(&first)) return nullptr;
    last = first;
    if (cursor_->Accept(TokenKind::kDotDot) && !ParseDay(&last)) {
      return nullptr;
    }
    // A range wraps around the week: fri..sun is fri, sat and sun.
    for (int d = first;; d = (d + 1) % 7) {
      call->day_mask |= static_cast<uint8_t>(1u << d);
      if (d == last) break;
    }
    if (!cursor_->At(TokenKind::kComma) ||
        cursor_->lookahead().kind != TokenKind::kIdent) {
      break;
    }
    cursor_->Advance();  // ,
  }
  if (!ParseZoneAndClose(call.get())) return nullptr;
  return call;
}

bool ExpressionParser::ParseDay(int* index) {
  const Token& day = cursor_->current();
  *index = day.kind == TokenKind::kIdent ? DayIndex(day.text) : -1;
  if (*index < 0) {
    cursor_->ErrorExpected(
        "a day: sun, mon, tue, wed, thu, fri or sat (or a range: sun..thu)");
    return false;
  }
  cursor_->Advance();
  return true;
}

bool ExpressionParser::ParseZoneAndClose(Expr* call) {
  if (cursor_->Accept(TokenKind::kComma)) {
    if (!cursor_->At(TokenKind::kString)) {
      cursor_->ErrorExpected(
          "a time zone name in quotes, e.g. \"Asia/Riyadh\"");
      return false;
    }
    call->zone = Name{DecodeStringLiteral(cursor_->current().text),
                      cursor_->current().pos};
    cursor_->Advance();
  }
  return cursor_->Expect(TokenKind::kRParen, "')'");
}

bool ExpressionParser::ParseList(std::vector<Literal>* out) {
  if (!cursor_->Expect(TokenKind::kLBracket, "'[' to start a list")) {
    return false;
  }
  if (cursor_->Accept(TokenKind::kRBracket)) return true;
  do {
    if (out->size() == kMaxListElements) {
      cursor_->Error(cursor_->current().pos,
                     absl::StrCat("a list may hold at most ", kMaxListElements,
                                  " values"));
      return false;
    }
    Literal element;
    if (!ParseLiteral(cursor_, &element)) return false;
    out->push_back(std::move(element));
  } while (cursor_->Accept(TokenKind::kComma));
  return cursor_->Expect(TokenKind::kRBracket, "',' or ']'");
}

}  // namespace portcullis::policy::policy_internal
