#include "policy/decimal.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace portcullis::policy {
namespace {

constexpr size_t kMaxTextLength = 64;

absl::int128 Pow10(int n) {
  absl::int128 p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

absl::int128 Abs(absl::int128 v) { return v < 0 ? -v : v; }

}  // namespace

Decimal::Decimal(absl::int128 coefficient, int scale)
    : coefficient_(coefficient), scale_(scale) {
  Normalize();
}

void Decimal::Normalize() {
  while (scale_ > 0 && coefficient_ % 10 == 0) {
    coefficient_ /= 10;
    --scale_;
  }
}

absl::StatusOr<Decimal> Decimal::Parse(absl::string_view text) {
  auto invalid = [&](absl::string_view why) {
    std::string shown(text.substr(0, kMaxTextLength));
    return absl::InvalidArgumentError(
        absl::StrCat("\"", shown, text.size() > kMaxTextLength ? "..." : "",
                     "\" is not a decimal number: ", why));
  };
  if (text.empty()) return invalid("it is empty");
  if (text.size() > kMaxTextLength) return invalid("it is too long");
  bool negative = text.front() == '-';
  absl::string_view digits = negative ? text.substr(1) : text;
  size_t point = digits.find('.');
  absl::string_view int_part = digits.substr(0, point);
  absl::string_view frac_part =
      point == absl::string_view::npos ? "" : digits.substr(point + 1);
  auto all_digits = [](absl::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return c >= '0' && c <= '9'; });
  };
  if (int_part.empty()) return invalid("digits are required before '.'");
  if (point != absl::string_view::npos && frac_part.empty()) {
    return invalid("digits are required after '.'");
  }
  if (!all_digits(int_part) || !all_digits(frac_part)) {
    return invalid("only digits, one '.' and a leading '-' are allowed");
  }
  while (frac_part.size() > 0 && frac_part.back() == '0') {
    frac_part.remove_suffix(1);
  }
  while (int_part.size() > 1 && int_part.front() == '0') {
    int_part.remove_prefix(1);
  }
  if (int_part.size() > kMaxIntegerDigits) {
    return invalid(absl::StrCat("more than ", kMaxIntegerDigits,
                                " digits before the point"));
  }
  if (frac_part.size() > kMaxFractionDigits) {
    return invalid(absl::StrCat("more than ", kMaxFractionDigits,
                                " digits after the point"));
  }
  absl::int128 coefficient = 0;
  for (char c : int_part) coefficient = coefficient * 10 + (c - '0');
  for (char c : frac_part) coefficient = coefficient * 10 + (c - '0');
  if (negative) coefficient = -coefficient;
  return Decimal(coefficient, static_cast<int>(frac_part.size()));
}

Decimal Decimal::FromInteger(int64_t value) { return Decimal(value, 0); }

std::string Decimal::ToString() const {
  // Written backwards into a fixed buffer: at most 37 digits, a point and a
  // sign.
  char buffer[48];
  char* p = buffer + sizeof(buffer);
  absl::int128 magnitude = Abs(coefficient_);
  int written = 0;
  do {
    *--p = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
    if (++written == scale_) *--p = '.';
  } while (magnitude != 0 || written <= scale_);
  if (coefficient_ < 0) *--p = '-';
  return std::string(p, buffer + sizeof(buffer) - p);
}

absl::StatusOr<Decimal> Decimal::Add(const Decimal& other) const {
  int scale = std::max(scale_, other.scale_);
  absl::int128 sum = coefficient_ * Pow10(scale - scale_) +
                     other.coefficient_ * Pow10(scale - other.scale_);
  if (Abs(sum) >= Pow10(kMaxIntegerDigits + scale)) {
    return absl::OutOfRangeError(absl::StrCat(
        "decimal sum exceeds ", kMaxIntegerDigits, " integer digits"));
  }
  return Decimal(sum, scale);
}

std::strong_ordering operator<=>(const Decimal& a, const Decimal& b) {
  int scale = std::max(a.scale_, b.scale_);
  absl::int128 left = a.coefficient_ * Pow10(scale - a.scale_);
  absl::int128 right = b.coefficient_ * Pow10(scale - b.scale_);
  if (left < right) return std::strong_ordering::less;
  if (left > right) return std::strong_ordering::greater;
  return std::strong_ordering::equal;
}

}  // namespace portcullis::policy
