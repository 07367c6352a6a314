// Quoting of untrusted text for error messages: the text may come from a
// policy file or from an agent's arguments, and must not carry control
// bytes or unbounded length into a log line. Pure functions; thread-safe.
#ifndef PORTCULLIS_POLICY_INTERNAL_QUOTE_H_
#define PORTCULLIS_POLICY_INTERNAL_QUOTE_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace portcullis::policy::policy_internal {

// Returns `text` in double quotes with '"' and '\' escaped, bytes outside
// printable ASCII written as \xNN, and anything past `max_bytes` replaced by
// "...".
std::string Quote(absl::string_view text, size_t max_bytes = 64);

// Describes one byte: 'x' when printable, otherwise "byte 0x1f".
std::string DescribeByte(char c);

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_QUOTE_H_
