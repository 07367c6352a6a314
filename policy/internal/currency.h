// ISO 4217 minor units: how many decimals an amount of a currency may have
// (2 for SAR, 0 for JPY, 3 for KWD). A policy may override the table with
// money(XYZ, 2) for a currency it does not know. Pure; thread-safe.
#ifndef PORTCULLIS_POLICY_INTERNAL_CURRENCY_H_
#define PORTCULLIS_POLICY_INTERNAL_CURRENCY_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace portcullis::policy::policy_internal {

// Returns the minor units of an active ISO 4217 currency code, or nullopt
// for a code the table does not know.
std::optional<int> MinorUnits(absl::string_view code);

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_CURRENCY_H_
