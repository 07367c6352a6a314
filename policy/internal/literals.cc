#include "policy/internal/literals.h"

#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace portcullis::policy::policy_internal {
namespace {

bool AtNumber(const TokenCursor& cursor) {
  return cursor.At(TokenKind::kInteger) || cursor.At(TokenKind::kDecimal);
}

// Parses an integer or decimal token (with an optional leading '-') and an
// optional currency code after it.
bool ParseNumberOrMoney(TokenCursor* cursor, Literal* out) {
  bool negative = false;
  Position start = cursor->current().pos;
  if (cursor->At(TokenKind::kMinus)) {
    negative = true;
    cursor->Advance();
    if (!AtNumber(*cursor)) {
      cursor->ErrorExpected("a number after '-'");
      return false;
    }
  }
  Token number = cursor->current();
  cursor->Advance();
  std::string text = absl::StrCat(negative ? "-" : "", number.text);
  out->pos = start;
  out->written = text;
  if (cursor->At(TokenKind::kIdent) &&
      LooksLikeCurrency(cursor->current().text)) {
    auto amount = Decimal::Parse(text);
    if (!amount.ok()) {
      cursor->Error(number.pos, std::string(amount.status().message()));
      return false;
    }
    out->kind = Literal::Kind::kMoney;
    out->amount = *amount;
    out->currency = std::string(cursor->current().text);
    absl::StrAppend(&out->written, " ", out->currency);
    cursor->Advance();
    return true;
  }
  if (number.kind == TokenKind::kDecimal) {
    auto amount = Decimal::Parse(text);
    if (!amount.ok()) {
      cursor->Error(number.pos, std::string(amount.status().message()));
      return false;
    }
    out->kind = Literal::Kind::kDecimal;
    out->amount = *amount;
    return true;
  }
  if (!absl::SimpleAtoi(text, &out->integer)) {
    cursor->Error(number.pos,
                  absl::StrCat("integer ", text, " is out of range"));
    return false;
  }
  out->kind = Literal::Kind::kInteger;
  out->amount = Decimal::FromInteger(out->integer);
  return true;
}

}  // namespace

bool AtLiteral(const TokenCursor& cursor) {
  return cursor.At(TokenKind::kString) || AtNumber(cursor) ||
         cursor.At(TokenKind::kMinus) || cursor.AtWord("true") ||
         cursor.AtWord("false");
}

bool ParseLiteral(TokenCursor* cursor, Literal* out) {
  const Token& token = cursor->current();
  out->pos = token.pos;
  if (token.kind == TokenKind::kString) {
    out->kind = Literal::Kind::kString;
    out->text = DecodeStringLiteral(token.text);
    out->written = std::string(token.text);
    cursor->Advance();
    return true;
  }
  if (cursor->AtWord("true") || cursor->AtWord("false")) {
    out->kind = Literal::Kind::kBool;
    out->boolean = token.text == "true";
    out->written = std::string(token.text);
    cursor->Advance();
    return true;
  }
  if (AtNumber(*cursor) || cursor->At(TokenKind::kMinus)) {
    return ParseNumberOrMoney(cursor, out);
  }
  cursor->ErrorExpected(
      "a value (a \"string\", a number, money such as "
      "50 SAR, true or false)");
  return false;
}

bool ParseCount(TokenCursor* cursor, int64_t max, absl::string_view what,
                int64_t* out) {
  const Token& token = cursor->current();
  if (token.kind != TokenKind::kInteger) {
    cursor->ErrorExpected(absl::StrCat(what, " (a whole number)"));
    return false;
  }
  int64_t value = 0;
  if (!absl::SimpleAtoi(token.text, &value) || value < 1 || value > max) {
    cursor->Error(token.pos, absl::StrCat(what, " must be between 1 and ", max,
                                          ", found ", token.text));
    return false;
  }
  *out = value;
  cursor->Advance();
  return true;
}

bool ParseToolReference(TokenCursor* cursor, absl::string_view what,
                        Name* out) {
  out->pos = cursor->current().pos;
  if (cursor->At(TokenKind::kString)) {
    out->text = DecodeStringLiteral(cursor->current().text);
    cursor->Advance();
    return true;
  }
  if (!cursor->At(TokenKind::kIdent)) {
    cursor->ErrorExpected(what);
    return false;
  }
  out->text = std::string(cursor->current().text);
  cursor->Advance();
  while (cursor->At(TokenKind::kDot) &&
         cursor->lookahead().kind == TokenKind::kIdent &&
         out->text.size() < 256) {
    cursor->Advance();
    absl::StrAppend(&out->text, ".", cursor->current().text);
    cursor->Advance();
  }
  return true;
}

bool ParseDuration(TokenCursor* cursor, absl::Duration* out) {
  const Token& token = cursor->current();
  if (token.kind != TokenKind::kDuration) {
    cursor->ErrorExpected("a duration such as 30s, 15m, 24h or 7d");
    return false;
  }
  auto d = ParseDurationText(token.text);
  if (!d.ok()) {
    cursor->Error(token.pos, std::string(d.status().message()));
    return false;
  }
  *out = *d;
  cursor->Advance();
  return true;
}

absl::StatusOr<absl::Duration> ParseDurationText(absl::string_view text) {
  auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid duration '", text.substr(0, 40), "': ", why));
  };
  absl::Duration total = absl::ZeroDuration();
  int last_unit_rank = 5;
  size_t i = 0;
  while (i < text.size()) {
    size_t digits_start = i;
    while (i < text.size() && absl::ascii_isdigit(text[i])) ++i;
    if (i == digits_start || i == text.size()) {
      return invalid(
          "write it as a number and a unit, e.g. 30s, 15m, 24h, "
          "7d or 1h30m");
    }
    int64_t amount = 0;
    if (i - digits_start > 7 ||
        !absl::SimpleAtoi(text.substr(digits_start, i - digits_start),
                          &amount)) {
      return invalid("the number is too large");
    }
    char unit = text[i++];
    int rank = unit == 'd'   ? 4
               : unit == 'h' ? 3
               : unit == 'm' ? 2
               : unit == 's' ? 1
                             : 0;
    if (rank == 0) return invalid("units are d, h, m and s");
    if (rank >= last_unit_rank) {
      return invalid("write units from largest to smallest, each once");
    }
    last_unit_rank = rank;
    absl::Duration unit_length = rank == 4   ? absl::Hours(24)
                                 : rank == 3 ? absl::Hours(1)
                                 : rank == 2 ? absl::Minutes(1)
                                             : absl::Seconds(1);
    total += unit_length * amount;
  }
  if (total <= absl::ZeroDuration()) return invalid("it must be positive");
  if (total > kMaxDuration) return invalid("it is longer than 3660d");
  return total;
}

absl::StatusOr<int> ParseClockText(absl::string_view text) {
  auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid time of day '", text.substr(0, 40), "': ", why));
  };
  size_t colon = text.find(':');
  if (colon == absl::string_view::npos || colon == 0 || colon > 2 ||
      text.size() - colon - 1 != 2) {
    return invalid("write it as HH:MM, e.g. 09:00");
  }
  int hours = 0;
  int minutes = 0;
  if (!absl::SimpleAtoi(text.substr(0, colon), &hours) ||
      !absl::SimpleAtoi(text.substr(colon + 1), &minutes)) {
    return invalid("write it as HH:MM, e.g. 09:00");
  }
  if (minutes > 59) return invalid("minutes go from 00 to 59");
  if (hours > 24 || (hours == 24 && minutes != 0)) {
    return invalid("hours go from 00 to 23 (24:00 is the end of the day)");
  }
  return hours * 60 + minutes;
}

bool LooksLikeCurrency(absl::string_view word) {
  if (word.size() != 3) return false;
  for (char c : word) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

std::string DurationText(absl::Duration d) {
  int64_t seconds = absl::ToInt64Seconds(d);
  std::string out;
  const struct {
    int64_t length;
    char unit;
  } kUnits[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
  for (const auto& u : kUnits) {
    if (seconds >= u.length) {
      absl::StrAppend(&out, seconds / u.length, std::string(1, u.unit));
      seconds %= u.length;
    }
  }
  return out.empty() ? "0s" : out;
}

}  // namespace portcullis::policy::policy_internal
