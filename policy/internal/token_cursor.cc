#include "policy/internal/token_cursor.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace portcullis::policy::policy_internal {

TokenCursor::TokenCursor(Lexer* lexer, DiagnosticSink* sink)
    : lexer_(lexer), sink_(sink) {
  current_ = lexer_->Next();
  lookahead_ = lexer_->Next();
}

void TokenCursor::Advance() {
  if (current_.kind == TokenKind::kEnd) return;
  previous_ = std::move(current_);
  current_ = std::move(lookahead_);
  lookahead_ = lexer_->Next();
  ++consumed_;
}

bool TokenCursor::AtWord(absl::string_view word) const {
  return current_.kind == TokenKind::kIdent && current_.text == word;
}

bool TokenCursor::Accept(TokenKind kind) {
  if (!At(kind)) return false;
  Advance();
  return true;
}

bool TokenCursor::AcceptWord(absl::string_view word) {
  if (!AtWord(word)) return false;
  Advance();
  return true;
}

bool TokenCursor::Expect(TokenKind kind, absl::string_view what) {
  if (Accept(kind)) return true;
  ErrorExpected(what);
  return false;
}

bool TokenCursor::ExpectWord(absl::string_view word, absl::string_view what) {
  if (AcceptWord(word)) return true;
  ErrorExpected(what);
  return false;
}

void TokenCursor::ErrorExpected(absl::string_view what) {
  Error(current_.pos,
        absl::StrCat("expected ", what, ", found ", DescribeToken(current_)));
}

void TokenCursor::Error(Position pos, std::string message) {
  sink_->SyntaxError(pos, std::move(message));
}

absl::string_view TokenCursor::Span(const Token& first, const Token& last) {
  const char* begin = first.text.data();
  const char* end = last.text.data() + last.text.size();
  if (begin == nullptr || end < begin) return first.text;
  return absl::string_view(begin, static_cast<size_t>(end - begin));
}

}  // namespace portcullis::policy::policy_internal
