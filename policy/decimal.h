// Decimal is an exact base-10 number for money and other quantities where
// binary floating point would round: 0.1 + 0.2 is exactly 0.3 here.
//
// A Decimal is always normalised (no trailing fractional zeros, no negative
// zero), so "50", "50.0" and "50.00" are the same value with the same
// canonical text "50". Values are immutable and thread-safe.
#ifndef PORTCULLIS_POLICY_DECIMAL_H_
#define PORTCULLIS_POLICY_DECIMAL_H_

#include <compare>
#include <cstdint>
#include <string>

#include "absl/numeric/int128.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace portcullis::policy {

class Decimal {
 public:
  // Up to 18 digits before and 18 after the point.
  static constexpr int kMaxIntegerDigits = 18;
  static constexpr int kMaxFractionDigits = 18;

  // Zero.
  Decimal() = default;

  // Parses "-?[0-9]+(\.[0-9]+)?": no sign '+', no exponent, no spaces, no
  // thousands separators. Returns InvalidArgument naming the problem.
  static absl::StatusOr<Decimal> Parse(absl::string_view text);

  static Decimal FromInteger(int64_t value);

  // The canonical text: "-12.5", "0", "1000". Round-trips through Parse.
  std::string ToString() const;

  // Digits after the point in canonical form: 2 for "12.34", 0 for "12.00".
  int fraction_digits() const { return scale_; }

  bool is_negative() const { return coefficient_ < 0; }
  bool is_zero() const { return coefficient_ == 0; }

  // Returns the exact sum; OutOfRange when it has more than 18 integer
  // digits.
  absl::StatusOr<Decimal> Add(const Decimal& other) const;

  friend bool operator==(const Decimal& a, const Decimal& b) {
    return a.coefficient_ == b.coefficient_ && a.scale_ == b.scale_;
  }
  friend std::strong_ordering operator<=>(const Decimal& a, const Decimal& b);

 private:
  Decimal(absl::int128 coefficient, int scale);
  void Normalize();

  // value = coefficient_ / 10^scale_, with 0 <= scale_ <= 18.
  absl::int128 coefficient_ = 0;
  int scale_ = 0;
};

}  // namespace portcullis::policy

#endif  // PORTCULLIS_POLICY_DECIMAL_H_
