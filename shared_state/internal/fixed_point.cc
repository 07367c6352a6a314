#include "shared_state/internal/fixed_point.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace portcullis::shared_state::shared_state_internal {

std::string ToFixedPoint(const policy::Decimal& value) {
  // Canonical text: "-?[0-9]+(\.[0-9]+)?", at most 18 digits either side.
  std::string text = value.ToString();
  absl::string_view digits = text;
  bool negative = !digits.empty() && digits[0] == '-';
  if (negative) digits.remove_prefix(1);
  absl::string_view integer = digits;
  absl::string_view fraction;
  if (size_t point = digits.find('.'); point != absl::string_view::npos) {
    integer = digits.substr(0, point);
    fraction = digits.substr(point + 1);
  }
  std::string out(1, negative ? '-' : '+');
  out.append(policy::Decimal::kMaxIntegerDigits - integer.size(), '0');
  out.append(integer.data(), integer.size());
  out.append(fraction.data(), fraction.size());
  out.append(policy::Decimal::kMaxFractionDigits - fraction.size(), '0');
  return out;
}

absl::StatusOr<policy::Decimal> FromFixedPoint(absl::string_view text) {
  bool negative = !text.empty() && text[0] == '-';
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    text.remove_prefix(1);
  }
  constexpr size_t kFraction = policy::Decimal::kMaxFractionDigits;
  bool digits = text.size() > kFraction;
  for (char c : text) digits = digits && absl::ascii_isdigit(c);
  if (!digits) {
    return absl::InvalidArgumentError("not a fixed-point amount");
  }
  absl::string_view integer = text.substr(0, text.size() - kFraction);
  absl::string_view fraction = text.substr(text.size() - kFraction);
  while (integer.size() > 1 && integer[0] == '0') integer.remove_prefix(1);
  if (integer.size() > policy::Decimal::kMaxIntegerDigits) {
    return absl::OutOfRangeError("more than 18 integer digits");
  }
  return policy::Decimal::Parse(
      absl::StrCat(negative ? "-" : "", integer, ".", fraction));
}

}  // namespace portcullis::shared_state::shared_state_internal
