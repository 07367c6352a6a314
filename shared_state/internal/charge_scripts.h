// The Lua scripts that charge and refund a batch in one round trip. Redis
// runs a script atomically, so replicas charging the same counter see
// each other's charges in some order, never half of one.
//
// Each counter has two keys (counter_keys.h): its events, a sorted set
// (score: time in microseconds; member "<batch id>#<index>#<r or
// amount>"), and the running sum of those events' amounts, a hash kept in
// step by both scripts, so a spend check costs the same with ten events in
// the window as with ten thousand. Events that leave the window are taken
// off the sum as they are dropped; a sum that is missing or disagrees with
// its events is counted again from them. A rate limit counts its events
// (ZCARD) and keeps no sum: a rate charge on a counter without a sum key
// only drops old events and adds its own, and a refund of a rate event
// there only removes it. Once an amount is charged to such a counter its
// sum is counted from the events and kept from then on.
//
// Charge: KEYS are, per charge, its events key and its sum key, then the
// batch's given-up key (counter_keys.h). ARGV[1] is
// the batch's time in microseconds; then five values per charge: its
// event member, the window's start in microseconds (events at or before it
// have left the window), the key's expiry in milliseconds, "r" for one
// event or the amount (fixed_point.h), and the ceiling (fixed point) or "".
// Returns {1} when charged, {0, refused index (from 0), usage} where usage
// is the refused counter's sum in its window, in fixed point, or {2} when
// the batch was given up (refunded) before: then nothing is charged.
//
// Refund: KEYS as for Charge, ARGV the members and then how long (ms) the
// batch stays given up. Removes the members and marks the batch given up,
// so a charge of it that reaches Redis later (it was sent before a
// timeout) changes nothing. Returns the number removed.
#ifndef PORTCULLIS_SHARED_STATE_INTERNAL_CHARGE_SCRIPTS_H_
#define PORTCULLIS_SHARED_STATE_INTERNAL_CHARGE_SCRIPTS_H_

#include <string>

namespace portcullis::shared_state::shared_state_internal {

inline constexpr int kKeysPerCharge = 2;
inline constexpr int kChargeArgsPerCharge = 5;

const std::string& ChargeScript();
const std::string& RefundScript();

}  // namespace portcullis::shared_state::shared_state_internal

#endif  // PORTCULLIS_SHARED_STATE_INTERNAL_CHARGE_SCRIPTS_H_
