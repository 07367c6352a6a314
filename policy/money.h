// Parsing money from its wire form (an amount string and an ISO 4217 code),
// for whoever turns requests or JSON files into Actions: the server, the
// CLI's `policy explain`. The policy then judges the amount against the
// tool's declaration (currency, sign, decimals). Pure; thread-safe.
#ifndef PORTCULLIS_POLICY_MONEY_H_
#define PORTCULLIS_POLICY_MONEY_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "policy/action.h"

namespace portcullis::policy {

// Returns the Money for `amount` ("120.00", see Decimal::Parse) in
// `currency` (three upper-case letters). Returns InvalidArgument naming the
// problem: a non-numeric amount ("money amount \"12a\" is not a decimal
// number: ...") or a malformed currency code.
absl::StatusOr<Money> ParseMoney(absl::string_view amount,
                                 absl::string_view currency);

}  // namespace portcullis::policy

#endif  // PORTCULLIS_POLICY_MONEY_H_
