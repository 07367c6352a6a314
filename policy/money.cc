#include "policy/money.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "policy/internal/literals.h"
#include "policy/internal/quote.h"

namespace portcullis::policy {

absl::StatusOr<Money> ParseMoney(absl::string_view amount,
                                 absl::string_view currency) {
  if (!policy_internal::LooksLikeCurrency(currency)) {
    return absl::InvalidArgumentError(
        absl::StrCat("currency ", policy_internal::Quote(currency, 16),
                     " is not an ISO 4217 code (three upper-case letters, "
                     "e.g. SAR)"));
  }
  absl::StatusOr<Decimal> parsed = Decimal::Parse(amount);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("money amount ", parsed.status().message()));
  }
  return Money{*parsed, std::string(currency)};
}

}  // namespace portcullis::policy
