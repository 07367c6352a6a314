// Quoting untrusted text for error messages: what a caller sent may be
// echoed back to help them, but never raw (no NUL, newline or invalid
// UTF-8 reaches a reply header or a log line) and never unbounded (a 10 KB
// id must not become a 10 KB message). Pure; thread-safe.
#ifndef PORTCULLIS_BASE_BOUNDED_TEXT_H_
#define PORTCULLIS_BASE_BOUNDED_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace portcullis {

// How many bytes of a caller's value an error message echoes at most.
inline constexpr size_t kMaxEchoedBytes = 64;

// `text` in double quotes, its first kMaxEchoedBytes bytes C-escaped
// (printable ASCII other than quote and backslash is kept; every other byte
// is \xNN or \n, \t, ...), followed by "... (N bytes)" when it was cut.
std::string BoundedQuote(absl::string_view text);

}  // namespace portcullis

#endif  // PORTCULLIS_BASE_BOUNDED_TEXT_H_
