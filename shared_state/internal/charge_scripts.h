// The Lua scripts that charge and refund a batch in one round trip. Redis
// runs a script atomically, so replicas charging the same counter see
// each other's charges in some order, never half of one.
//
// Charge: KEYS are the batch's counter keys, one per charge. ARGV[1] is
// the batch's time in microseconds (the events' score); then five values
// per charge: its event member ("<batch id>#<index>#<r or amount>"), the
// window's start in microseconds (events at or before it have left the
// window), the key's expiry in milliseconds, "r" for one event or the
// amount (fixed_point.h), and the ceiling (fixed point) or "".
// Returns {1} when charged, or {0, refused index (from 0), usage} where
// usage is the refused counter's sum in its window, in fixed point.
//
// Refund: KEYS as for Charge, ARGV the members; returns the number removed.
#ifndef PORTCULLIS_SHARED_STATE_INTERNAL_CHARGE_SCRIPTS_H_
#define PORTCULLIS_SHARED_STATE_INTERNAL_CHARGE_SCRIPTS_H_

#include "absl/strings/string_view.h"

namespace portcullis::shared_state::shared_state_internal {

inline constexpr int kChargeArgsPerCharge = 5;

extern const absl::string_view kChargeScript;
extern const absl::string_view kRefundScript;

}  // namespace portcullis::shared_state::shared_state_internal

#endif  // PORTCULLIS_SHARED_STATE_INTERNAL_CHARGE_SCRIPTS_H_
