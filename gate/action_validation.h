// Checks an action's shape before anything else looks at it: identifiers,
// sizes, context ranges. Type-checking arguments against a tool's
// declaration is the policy's job; this only makes sure the action is safe
// to hash, store and log. Pure functions; thread-safe.
#ifndef PORTCULLIS_GATE_ACTION_VALIDATION_H_
#define PORTCULLIS_GATE_ACTION_VALIDATION_H_

#include <cstddef>

#include "absl/status/status.h"
#include "policy/action.h"

namespace portcullis::gate {

struct ActionLimits {
  size_t max_arguments = 256;
  size_t max_string_bytes = 64 << 10;
  size_t max_list_items = 1024;
  int max_list_depth = 4;
};

// Returns InvalidArgument naming the field ("action.tenant: ...") for the
// first problem found.
absl::Status ValidateAction(const policy::Action& action,
                            const ActionLimits& limits);

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_ACTION_VALIDATION_H_
