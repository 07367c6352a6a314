// Text forms of argument values for explanations and error messages:
// 50.01 SAR, "gold", 3, true, ["a", "b"]. Strings are quoted and escaped
// (see quote.h). Pure; thread-safe.
#ifndef PORTCULLIS_POLICY_INTERNAL_VALUE_TEXT_H_
#define PORTCULLIS_POLICY_INTERNAL_VALUE_TEXT_H_

#include <string>

#include "policy/action.h"

namespace portcullis::policy::policy_internal {

std::string FormatValue(const Value& value);

// Names the kind of a value: "a string", "an int", "money", "a list".
const char* DescribeValueKind(const Value& value);

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_VALUE_TEXT_H_
