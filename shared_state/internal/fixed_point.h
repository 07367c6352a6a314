// Exact decimals as the charge script reads them. Lua numbers are doubles,
// so an amount crosses to Redis as text: a sign and 36 digits, the value
// times 10^18 (Decimal's 18 integer and 18 fraction digits). The script
// splits that into four 9-digit chunks, each exact in a double, and adds
// chunk by chunk with carries. Pure functions; thread-safe.
#ifndef PORTCULLIS_SHARED_STATE_INTERNAL_FIXED_POINT_H_
#define PORTCULLIS_SHARED_STATE_INTERNAL_FIXED_POINT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "policy/decimal.h"

namespace portcullis::shared_state::shared_state_internal {

inline constexpr int kFixedDigits = 36;

// "+000000000000000012500000000000000000000" for 12.5 (sign, 36 digits).
std::string ToFixedPoint(const policy::Decimal& value);

// The inverse of ToFixedPoint, also for the script's sums: an optional '-'
// then at least 19 digits, the last 18 of them the fraction. Returns
// OutOfRange when the integer part has more than 18 digits (a sum can),
// InvalidArgument when `text` is not of that shape.
absl::StatusOr<policy::Decimal> FromFixedPoint(absl::string_view text);

}  // namespace portcullis::shared_state::shared_state_internal

#endif  // PORTCULLIS_SHARED_STATE_INTERNAL_FIXED_POINT_H_
