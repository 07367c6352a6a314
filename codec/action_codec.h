// Translation between the public API's Action (portcullis.v1) and the
// domain's policy::Action. The only place the two meet; the rest of the
// gate never sees a protobuf. Pure functions; thread-safe.
#ifndef PORTCULLIS_CODEC_ACTION_CODEC_H_
#define PORTCULLIS_CODEC_ACTION_CODEC_H_

#include "absl/status/statusor.h"
#include "policy/action.h"
#include "portcullis/v1/action.pb.h"

namespace portcullis::codec {

// Returns InvalidArgument naming the field for values that cannot be
// represented: an argument without a value, a money amount that is not a
// decimal number, lists nested deeper than 8. Caller-sent text in the
// message is quoted and bounded (BoundedQuote).
absl::StatusOr<policy::Action> ActionFromProto(const v1::Action& proto);

// What identifies an action even when its arguments cannot be decoded:
// tenant, agent, tool, idempotency key and context, no arguments. For
// recording a rejected request.
policy::Action ActionHeaderFromProto(const v1::Action& proto);

// One argument value (standing approval constraints): InvalidArgument
// for an unset value or a malformed amount.
absl::StatusOr<policy::Value> ArgumentValueFromProto(const v1::Value& proto);
void ArgumentValueToProto(const policy::Value& value, v1::Value* proto);

// The inverse; exact (money amounts in canonical form).
void ActionToProto(const policy::Action& action, v1::Action* proto);

}  // namespace portcullis::codec

#endif  // PORTCULLIS_CODEC_ACTION_CODEC_H_
