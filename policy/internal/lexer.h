// Lexer splits one policy file into tokens on demand. Comments run from '#'
// to the end of the line; whitespace separates tokens and is otherwise
// insignificant. Malformed input (a stray byte, an unterminated string) is
// reported to the DiagnosticSink and skipped, so lexing always reaches the
// end of the text in linear time. Not thread-safe.
#ifndef PORTCULLIS_POLICY_INTERNAL_LEXER_H_
#define PORTCULLIS_POLICY_INTERNAL_LEXER_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "policy/internal/diagnostics.h"
#include "policy/internal/token.h"

namespace portcullis::policy::policy_internal {

// String literals longer than this are an error.
inline constexpr size_t kMaxStringLiteralBytes = 4096;

class Lexer {
 public:
  // `text` and `sink` must outlive the Lexer. `file` labels positions.
  Lexer(absl::string_view text, int file, DiagnosticSink* sink);

  // Returns the next token; kEnd at (and after) the end of the text.
  Token Next();

 private:
  Position Here() const;
  char Peek(size_t ahead = 0) const;
  void SkipSpaceAndComments();
  Token Make(TokenKind kind, size_t start, Position pos) const;
  Token LexIdentifier(size_t start, Position pos);
  Token LexNumber(size_t start, Position pos);
  // Returns false (after reporting) when the string is malformed.
  bool LexString(size_t start, Position pos, Token* token);
  bool LexPunctuation(size_t start, Position pos, Token* token);

  absl::string_view text_;
  int file_;
  DiagnosticSink* sink_;
  size_t offset_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
};

// Decodes a string token's text (with its quotes): \" and \\ are escapes;
// any other backslash stands for itself, so "^\d+$" is the regular
// expression ^\d+$. The token must have come from the Lexer.
std::string DecodeStringLiteral(absl::string_view quoted);

// Returns the offset in `quoted` (a string token's text) of the decoded
// character at `decoded_offset`: maps a position inside a string's value
// back to a source column.
size_t SourceOffsetOf(absl::string_view quoted, size_t decoded_offset);

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_LEXER_H_
