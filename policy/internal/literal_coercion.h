// Converts a constant written in a policy (a Literal) into the Constant a
// condition compares at run time, given the type of what it is compared
// with: "gold" against an enum must be a member, 50 SAR against
// money(SAR) must fit the currency's decimals, 0.8 against the confidence
// becomes a double. Pure; thread-safe.
#ifndef PORTCULLIS_POLICY_INTERNAL_LITERAL_COERCION_H_
#define PORTCULLIS_POLICY_INTERNAL_LITERAL_COERCION_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "policy/internal/ast.h"
#include "policy/internal/condition.h"
#include "policy/internal/type.h"

namespace portcullis::policy::policy_internal {

// Returns `literal` as a constant of `type`, or InvalidArgument with the
// message to report at the literal. `against` names the other side of the
// comparison ("args.value").
absl::StatusOr<Constant> CoerceLiteral(const Literal& literal, const Type& type,
                                       absl::string_view against);

// What kind of constant a literal is: "a string", "money(USD)".
std::string DescribeLiteral(const Literal& literal);

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_LITERAL_COERCION_H_
