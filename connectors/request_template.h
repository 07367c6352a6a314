// Rendering of connector templates: "{{args.NAME}}" and "{{tenant}}"
// placeholders, and "vault://TENANT/NAME" secret references. Pure apart
// from the secret lookups; thread-safe.
#ifndef PORTCULLIS_CONNECTORS_REQUEST_TEMPLATE_H_
#define PORTCULLIS_CONNECTORS_REQUEST_TEMPLATE_H_

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "policy/action.h"

namespace portcullis::connectors {

// Checks every placeholder: "{{args.order_id}}" or "{{tenant}}".
// Returns InvalidArgument for unbalanced braces or unknown names.
absl::Status CheckPlaceholders(absl::string_view text);

// The secret references in `text`: {tenant, name} pairs. InvalidArgument
// for a malformed reference.
struct SecretReference {
  std::string tenant;  // may be "{{tenant}}"
  std::string name;
};
absl::StatusOr<std::vector<SecretReference>> FindSecretReferences(
    absl::string_view text);

// How a placeholder's value is written where it stands.
enum class Escaping {
  kPercent,   // URL path and query
  kVerbatim,  // header values (control characters refused)
  kJson,      // body: a JSON literal
};

// Replaces the placeholders of `text` with the action's values, escaped as
// asked. FailedPrecondition for a missing argument or a value that cannot
// stand there.
absl::StatusOr<std::string> Render(absl::string_view text,
                                   const policy::Action& action,
                                   Escaping escaping);

}  // namespace portcullis::connectors

#endif  // PORTCULLIS_CONNECTORS_REQUEST_TEMPLATE_H_
