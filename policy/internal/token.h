// Tokens of the policy language, as the lexer produces them and the parser
// consumes them. A Token points into the source text it came from, which
// must outlive it. Plain values; thread-compatible.
#ifndef PORTCULLIS_POLICY_INTERNAL_TOKEN_H_
#define PORTCULLIS_POLICY_INTERNAL_TOKEN_H_

#include <string>

#include "absl/strings/string_view.h"
#include "policy/internal/position.h"

namespace portcullis::policy::policy_internal {

enum class TokenKind {
  kEnd,       // end of the file
  kIdent,     // coupon-cap, args, SAR (letters, digits, '_' and '-')
  kString,    // "text"; `value` holds the text without quotes and escapes
  kInteger,   // 20
  kDecimal,   // 0.8, 50.00
  kDuration,  // 24h, 1h30m, 7d
  kClock,     // 09:00
  kLBrace,
  kRBrace,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kColon,
  kDot,
  kDotDot,
  kMinus,
  kAssign,  // =
  kEq,      // ==
  kNe,      // !=
  kLt,
  kLe,
  kGt,
  kGe,
};

// Returns how a kind is written in messages: "'{'", "a string", ...
absl::string_view TokenKindName(TokenKind kind);

struct Token {
  TokenKind kind = TokenKind::kEnd;
  // The token exactly as written (with quotes for strings).
  absl::string_view text;
  // The decoded text of a string literal; empty for other kinds.
  std::string value;
  Position pos;
};

// Describes a token for an error message: "'tool'", "the string \"x\"",
// "the end of the file".
std::string DescribeToken(const Token& token);

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_TOKEN_H_
