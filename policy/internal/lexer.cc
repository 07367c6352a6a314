#include "policy/internal/lexer.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "policy/internal/quote.h"

namespace portcullis::policy::policy_internal {
namespace {

bool IsIdentStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }

bool IsIdentPart(char c) {
  return absl::ascii_isalnum(c) || c == '_' || c == '-';
}

}  // namespace

Lexer::Lexer(absl::string_view text, int file, DiagnosticSink* sink)
    : text_(text), file_(file), sink_(sink) {}

Position Lexer::Here() const {
  return Position{file_, line_, static_cast<int>(offset_ - line_start_) + 1};
}

char Lexer::Peek(size_t ahead) const {
  size_t at = offset_ + ahead;
  return at < text_.size() ? text_[at] : '\0';
}

void Lexer::SkipSpaceAndComments() {
  while (offset_ < text_.size()) {
    char c = text_[offset_];
    if (c == '\n') {
      ++offset_;
      ++line_;
      line_start_ = offset_;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      ++offset_;
    } else if (c == '#') {
      while (offset_ < text_.size() && text_[offset_] != '\n') ++offset_;
    } else {
      return;
    }
  }
}

Token Lexer::Make(TokenKind kind, size_t start, Position pos) const {
  Token token;
  token.kind = kind;
  token.text = text_.substr(start, offset_ - start);
  token.pos = pos;
  return token;
}

Token Lexer::Next() {
  while (true) {
    SkipSpaceAndComments();
    size_t start = offset_;
    Position pos = Here();
    if (offset_ >= text_.size()) return Make(TokenKind::kEnd, start, pos);
    char c = text_[offset_];
    if (IsIdentStart(c)) return LexIdentifier(start, pos);
    if (absl::ascii_isdigit(c)) return LexNumber(start, pos);
    Token token;
    if (c == '"') {
      if (LexString(start, pos, &token)) return token;
      continue;
    }
    if (LexPunctuation(start, pos, &token)) return token;
    ++offset_;
    if (c == '!') {
      sink_->SyntaxError(pos,
                         "unexpected '!': write 'not' to negate, or "
                         "'!=' for \"not equal\"");
    } else if (c == '&' || c == '|') {
      sink_->SyntaxError(pos, absl::StrCat("unexpected '", std::string(1, c),
                                           "': write 'and' or 'or'"));
    } else {
      sink_->SyntaxError(
          pos, absl::StrCat("unexpected character ", DescribeByte(c)));
    }
  }
}

Token Lexer::LexIdentifier(size_t start, Position pos) {
  while (offset_ < text_.size() && IsIdentPart(text_[offset_])) ++offset_;
  return Make(TokenKind::kIdent, start, pos);
}

Token Lexer::LexNumber(size_t start, Position pos) {
  auto digits = [&] {
    while (absl::ascii_isdigit(Peek())) ++offset_;
  };
  digits();
  TokenKind kind = TokenKind::kInteger;
  if (Peek() == ':' && absl::ascii_isdigit(Peek(1))) {
    ++offset_;
    digits();
    kind = TokenKind::kClock;
  } else if (Peek() == '.' && absl::ascii_isdigit(Peek(1))) {
    ++offset_;
    digits();
    kind = TokenKind::kDecimal;
  }
  if (absl::ascii_isalpha(Peek()) || Peek() == '_') {
    // A unit: 24h, 1h30m. Anything else glued to a number is reported by
    // the parser, which knows what it expected.
    while (absl::ascii_isalnum(Peek()) || Peek() == '_') ++offset_;
    kind = kind == TokenKind::kInteger ? TokenKind::kDuration : kind;
    if (kind != TokenKind::kDuration) {
      Token bad = Make(kind, start, pos);
      sink_->SyntaxError(
          pos, absl::StrCat("'", bad.text,
                            "' is not a number, time or duration; put a "
                            "space between an amount and its currency"));
      return bad;
    }
  }
  return Make(kind, start, pos);
}

bool Lexer::LexString(size_t start, Position pos, Token* token) {
  ++offset_;  // the opening quote
  while (offset_ < text_.size()) {
    char c = text_[offset_];
    if (c == '"') {
      ++offset_;
      *token = Make(TokenKind::kString, start, pos);
      if (token->text.size() - 2 > kMaxStringLiteralBytes) {
        sink_->SyntaxError(pos, absl::StrCat("string is longer than ",
                                             kMaxStringLiteralBytes, " bytes"));
      }
      return true;
    }
    if (c == '\n') break;
    if (c == '\\' && offset_ + 1 < text_.size() &&
        (text_[offset_ + 1] == '"' || text_[offset_ + 1] == '\\')) {
      ++offset_;
    }
    ++offset_;
  }
  sink_->SyntaxError(pos,
                     "unterminated string: close it with '\"' on the same "
                     "line");
  return false;
}

bool Lexer::LexPunctuation(size_t start, Position pos, Token* token) {
  char c = Peek();
  char next = Peek(1);
  TokenKind kind;
  size_t length = 1;
  switch (c) {
    case '{':
      kind = TokenKind::kLBrace;
      break;
    case '}':
      kind = TokenKind::kRBrace;
      break;
    case '(':
      kind = TokenKind::kLParen;
      break;
    case ')':
      kind = TokenKind::kRParen;
      break;
    case '[':
      kind = TokenKind::kLBracket;
      break;
    case ']':
      kind = TokenKind::kRBracket;
      break;
    case ',':
      kind = TokenKind::kComma;
      break;
    case ':':
      kind = TokenKind::kColon;
      break;
    case '-':
      kind = TokenKind::kMinus;
      break;
    case '.':
      kind = next == '.' ? TokenKind::kDotDot : TokenKind::kDot;
      length = next == '.' ? 2 : 1;
      break;
    case '=':
      kind = next == '=' ? TokenKind::kEq : TokenKind::kAssign;
      length = next == '=' ? 2 : 1;
      break;
    case '<':
      kind = next == '=' ? TokenKind::kLe : TokenKind::kLt;
      length = next == '=' ? 2 : 1;
      break;
    case '>':
      kind = next == '=' ? TokenKind::kGe : TokenKind::kGt;
      length = next == '=' ? 2 : 1;
      break;
    case '!':
      if (next != '=') return false;
      kind = TokenKind::kNe;
      length = 2;
      break;
    default:
      return false;
  }
  offset_ += length;
  *token = Make(kind, start, pos);
  return true;
}

std::string DecodeStringLiteral(absl::string_view quoted) {
  std::string out;
  if (quoted.size() < 2) return out;
  absl::string_view body = quoted.substr(1, quoted.size() - 2);
  out.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\\' && i + 1 < body.size() &&
        (body[i + 1] == '"' || body[i + 1] == '\\')) {
      ++i;
    }
    out.push_back(body[i]);
  }
  return out;
}

size_t SourceOffsetOf(absl::string_view quoted, size_t decoded_offset) {
  size_t i = 1;  // past the opening quote
  size_t decoded = 0;
  while (i + 1 < quoted.size() && decoded < decoded_offset) {
    if (quoted[i] == '\\' && i + 2 < quoted.size() &&
        (quoted[i + 1] == '"' || quoted[i + 1] == '\\')) {
      ++i;
    }
    ++i;
    ++decoded;
  }
  return i;
}

}  // namespace portcullis::policy::policy_internal
