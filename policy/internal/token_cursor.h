// TokenCursor is the parser's view of the token stream: the current token,
// one token of lookahead, and helpers that consume expected tokens or
// report what was found instead. Not thread-safe.
#ifndef PORTCULLIS_POLICY_INTERNAL_TOKEN_CURSOR_H_
#define PORTCULLIS_POLICY_INTERNAL_TOKEN_CURSOR_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "policy/internal/diagnostics.h"
#include "policy/internal/lexer.h"
#include "policy/internal/token.h"

namespace portcullis::policy::policy_internal {

class TokenCursor {
 public:
  // `lexer` and `sink` must outlive the cursor.
  TokenCursor(Lexer* lexer, DiagnosticSink* sink);

  const Token& current() const { return current_; }
  const Token& lookahead() const { return lookahead_; }
  // The last token consumed (kEnd before the first Advance()).
  const Token& previous() const { return previous_; }
  // How many tokens have been consumed: lets a loop check for progress.
  int64_t consumed() const { return consumed_; }

  // Consumes the current token.
  void Advance();

  bool At(TokenKind kind) const { return current_.kind == kind; }
  // True when the current token is the name `word` (keywords are names that
  // mean something where they appear).
  bool AtWord(absl::string_view word) const;

  // Consumes the current token when it is `kind` / `word`.
  bool Accept(TokenKind kind);
  bool AcceptWord(absl::string_view word);

  // Consumes the current token when it is `kind`; otherwise reports
  // "expected <what>, found <token>" and returns false.
  bool Expect(TokenKind kind, absl::string_view what);
  bool ExpectWord(absl::string_view word, absl::string_view what);

  // Reports "expected <what>, found <current token>" at the current token.
  void ErrorExpected(absl::string_view what);
  void Error(Position pos, std::string message);

  // The source text from the start of `first` to the end of `last`, both
  // tokens of this file with `first` not after `last`.
  static absl::string_view Span(const Token& first, const Token& last);

 private:
  Lexer* lexer_;
  DiagnosticSink* sink_;
  Token previous_;
  Token current_;
  Token lookahead_;
  int64_t consumed_ = 0;
};

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_TOKEN_CURSOR_H_
