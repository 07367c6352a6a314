// Rate and spend limits at evaluation time: the stable counter key of a
// limit rule for an action, and whether the action would exceed the limit
// given the usage so far. Pure apart from the UsageView reads; thread-safe.
#ifndef PORTCULLIS_POLICY_INTERNAL_LIMIT_CHECK_H_
#define PORTCULLIS_POLICY_INTERNAL_LIMIT_CHECK_H_

#include <string>

#include "absl/strings/string_view.h"
#include "policy/internal/condition.h"
#include "policy/internal/rule.h"
#include "policy/usage.h"
#include "policy/verdict.h"

namespace portcullis::policy::policy_internal {

// Returns "<tenant>/<rule id>" followed by "/<scope>=<value>" for each scope
// in the order written, e.g. "al-noor/coupon-rate/agent=bot-1" or
// "al-noor/refund-rate/args.customer=c-17". A session is kept per agent, as
// "/agent=<agent>/session=<id>" (sessions are named by their callers).
// Values are
// percent-encoded (upper-case hex) outside [A-Za-z0-9_.:@-], so keys are
// unambiguous and identical for identical actions, across restarts and policy
// versions that keep the rule id and scopes.
std::string CounterKey(const Rule& rule, const EvalInput& input);

// Percent-encodes `value` as CounterKey does: returns it, or appends it to
// `out`.
std::string EncodeKeyValue(absl::string_view value);
void AppendEncoded(absl::string_view value, std::string* out);

struct LimitResult {
  bool exceeded = false;
  // What the action consumes when it is allowed.
  UsageCharge charge;
  // "20 of 20 per 1h used" or "480 SAR of 500 SAR per 24h used; this
  // adds 30 SAR".
  std::string usage_text;
};

// Reads the usage of `rule`'s counter over its window ending at
// `input.now` (events at t > now - window count) and decides whether one
// more event (a rate limit) or the action's amount (a spend limit) would go
// over. A spend total that overflows counts as over. `usage_text` is filled
// when the limit is exceeded or `describe` is set.
LimitResult CheckLimit(const Rule& rule, const EvalInput& input,
                       const UsageView& usage, bool describe);

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_LIMIT_CHECK_H_
