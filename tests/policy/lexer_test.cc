#include "policy/internal/lexer.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "policy/compiler.h"
#include "policy/internal/diagnostics.h"

namespace portcullis::policy::policy_internal {
namespace {

struct Lexed {
  std::vector<Token> tokens;
  std::vector<Diagnostic> errors;
};

Lexed Lex(const std::string& text, std::vector<SourceFile>* keep) {
  keep->push_back(SourceFile{"l.policy", text});
  DiagnosticSink sink(*keep);
  Lexer lexer(keep->back().content, 0, &sink);
  Lexed out;
  for (int i = 0; i < 1000; ++i) {
    Token t = lexer.Next();
    out.tokens.push_back(t);
    if (t.kind == TokenKind::kEnd) break;
  }
  out.errors = sink.Take();
  return out;
}

std::vector<TokenKind> Kinds(const Lexed& lexed) {
  std::vector<TokenKind> kinds;
  for (const Token& t : lexed.tokens) kinds.push_back(t.kind);
  return kinds;
}

TEST_CASE("the lexer splits names, numbers, durations, clocks and strings",
          "[lexer]") {
  std::vector<SourceFile> keep;
  Lexed lexed =
      Lex("rule coupon-cap \"x\" 50.00 SAR 24h 1h30m 09:00-18:00 sun..thu "
          "args.value >= <= == != < > = , : ( ) [ ] { } -3",
          &keep);
  REQUIRE(lexed.errors.empty());
  using K = TokenKind;
  CHECK(Kinds(lexed) ==
        std::vector<K>{
            K::kIdent,    K::kIdent,    K::kString,   K::kDecimal,  K::kIdent,
            K::kDuration, K::kDuration, K::kClock,    K::kMinus,    K::kClock,
            K::kIdent,    K::kDotDot,   K::kIdent,    K::kIdent,    K::kDot,
            K::kIdent,    K::kGe,       K::kLe,       K::kEq,       K::kNe,
            K::kLt,       K::kGt,       K::kAssign,   K::kComma,    K::kColon,
            K::kLParen,   K::kRParen,   K::kLBracket, K::kRBracket, K::kLBrace,
            K::kRBrace,   K::kMinus,    K::kInteger,  K::kEnd});
  CHECK(lexed.tokens[1].text == "coupon-cap");
  CHECK(lexed.tokens[3].text == "50.00");
}

TEST_CASE(
    "tokens carry 1-based lines and byte columns, comments are "
    "skipped",
    "[lexer]") {
  std::vector<SourceFile> keep;
  Lexed lexed = Lex("# a comment\n  tool x # another\n\tallow", &keep);
  REQUIRE(lexed.tokens.size() == 4);
  CHECK(lexed.tokens[0].pos.line == 2);
  CHECK(lexed.tokens[0].pos.column == 3);
  CHECK(lexed.tokens[1].pos.column == 8);
  CHECK(lexed.tokens[2].pos.line == 3);
  CHECK(lexed.tokens[2].pos.column == 2);
}

TEST_CASE("string escapes are only backslash-quote and backslash-backslash",
          "[lexer]") {
  CHECK(DecodeStringLiteral(R"("plain")") == "plain");
  CHECK(DecodeStringLiteral(R"("say \"hi\"")") == "say \"hi\"");
  CHECK(DecodeStringLiteral(R"("a\\b")") == "a\\b");
  CHECK(DecodeStringLiteral(R"("^\d+$")") == "^\\d+$");
  // Offsets in the decoded text map back to the source.
  CHECK(SourceOffsetOf(R"("ab")", 1) == 2);
  CHECK(SourceOffsetOf(R"("\"b")", 1) == 3);
}

TEST_CASE("the lexer reports bad input and goes on", "[lexer]") {
  std::vector<SourceFile> keep;
  Lexed lexed = Lex("a $ b\n\"open\nc", &keep);
  REQUIRE(lexed.errors.size() == 2);
  CHECK(lexed.errors[0].ToString() == "l.policy:1:3: unexpected character '$'");
  CHECK(lexed.errors[1].ToString() ==
        "l.policy:2:1: unterminated string: close it with '\"' on the same "
        "line");
  std::vector<std::string> names;
  for (const Token& t : lexed.tokens) {
    if (t.kind == TokenKind::kIdent) names.emplace_back(t.text);
  }
  CHECK(names == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("control bytes are described, not echoed", "[lexer]") {
  std::vector<SourceFile> keep;
  Lexed lexed = Lex(std::string("a \x01 b \xff", 7), &keep);
  REQUIRE(lexed.errors.size() == 1);  // one per line
  CHECK(lexed.errors[0].message == "unexpected character byte 0x01");
}

}  // namespace
}  // namespace portcullis::policy::policy_internal
