// Parsing of the constants a policy writes: numbers, money (50.00 SAR),
// strings, booleans, durations (24h, 1h30m) and times of day (09:00).
// Pure functions over a TokenCursor or token text; errors go to the
// cursor's DiagnosticSink with the token's position.
#ifndef PORTCULLIS_POLICY_INTERNAL_LITERALS_H_
#define PORTCULLIS_POLICY_INTERNAL_LITERALS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "policy/internal/ast.h"
#include "policy/internal/token_cursor.h"

namespace portcullis::policy::policy_internal {

// The longest duration a policy may write: ten years of days.
inline constexpr absl::Duration kMaxDuration = absl::Hours(24 * 3660);

// True when the current token can start a literal.
bool AtLiteral(const TokenCursor& cursor);

// Parses "text", [-]123, [-]1.5, 50 SAR, 50.00 SAR, true or false.
// Returns false after reporting an error.
bool ParseLiteral(TokenCursor* cursor, Literal* out);

// Parses a positive integer token no larger than `max`; `what` names it in
// messages ("the quorum").
bool ParseCount(TokenCursor* cursor, int64_t max, absl::string_view what,
                int64_t* out);

// Parses a tool's name as `tool` declares it: a quoted string or NAME
// { "." NAME } (crm.lookup). `what` says what was expected.
bool ParseToolReference(TokenCursor* cursor, absl::string_view what, Name* out);

// Parses a duration token (30s, 15m, 24h, 7d, 1h30m), positive and at most
// kMaxDuration.
bool ParseDuration(TokenCursor* cursor, absl::Duration* out);

// Returns the duration written as `text`, or InvalidArgument saying how to
// write one.
absl::StatusOr<absl::Duration> ParseDurationText(absl::string_view text);

// Returns the minutes since midnight written as "HH:MM" (00:00 to 24:00),
// or InvalidArgument.
absl::StatusOr<int> ParseClockText(absl::string_view text);

// True for a three-letter upper-case word: the shape of an ISO 4217 code.
bool LooksLikeCurrency(absl::string_view word);

// Formats a duration as a policy would write it: "1h30m", "24h", "7d".
std::string DurationText(absl::Duration d);

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_LITERALS_H_
