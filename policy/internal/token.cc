#include "policy/internal/token.h"

#include "absl/strings/str_cat.h"
#include "policy/internal/lexer.h"
#include "policy/internal/quote.h"

namespace portcullis::policy::policy_internal {
namespace {

constexpr size_t kMaxShownTokenBytes = 40;

}  // namespace

absl::string_view TokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEnd:
      return "the end of the file";
    case TokenKind::kIdent:
      return "a name";
    case TokenKind::kString:
      return "a string";
    case TokenKind::kInteger:
      return "an integer";
    case TokenKind::kDecimal:
      return "a decimal number";
    case TokenKind::kDuration:
      return "a duration";
    case TokenKind::kClock:
      return "a time of day";
    case TokenKind::kLBrace:
      return "'{'";
    case TokenKind::kRBrace:
      return "'}'";
    case TokenKind::kLParen:
      return "'('";
    case TokenKind::kRParen:
      return "')'";
    case TokenKind::kLBracket:
      return "'['";
    case TokenKind::kRBracket:
      return "']'";
    case TokenKind::kComma:
      return "','";
    case TokenKind::kColon:
      return "':'";
    case TokenKind::kDot:
      return "'.'";
    case TokenKind::kDotDot:
      return "'..'";
    case TokenKind::kMinus:
      return "'-'";
    case TokenKind::kAssign:
      return "'='";
    case TokenKind::kEq:
      return "'=='";
    case TokenKind::kNe:
      return "'!='";
    case TokenKind::kLt:
      return "'<'";
    case TokenKind::kLe:
      return "'<='";
    case TokenKind::kGt:
      return "'>'";
    case TokenKind::kGe:
      return "'>='";
  }
  return "a token";
}

std::string DescribeToken(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEnd:
      return "the end of the file";
    case TokenKind::kIdent:
    case TokenKind::kInteger:
    case TokenKind::kDecimal:
    case TokenKind::kDuration:
    case TokenKind::kClock: {
      absl::string_view shown = token.text.substr(0, kMaxShownTokenBytes);
      return absl::StrCat("'", shown,
                          token.text.size() > shown.size() ? "...'" : "'");
    }
    case TokenKind::kString:
      return absl::StrCat("the string ",
                          Quote(DecodeStringLiteral(token.text)));
    default:
      return std::string(TokenKindName(token.kind));
  }
}

}  // namespace portcullis::policy::policy_internal
