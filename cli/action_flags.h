// An action typed on the command line (`portcullis evaluate`): each
// `--arg NAME=VALUE` becomes an argument and each `--context KEY=VALUE` a
// field of the action's context. Values are read the way a person writes
// them:
//
//   75.00SAR, 75 SAR, -3.5EUR   money (a decimal and a 3-letter currency)
//   42, -7                      integer
//   true, false                 boolean
//   [a, 2, 3.00SAR]             list (each item read the same way)
//   "42", "true"                string (quotes force a string)
//   anything else               string
//
// Pure functions; thread-safe.
#ifndef PORTCULLIS_CLI_ACTION_FLAGS_H_
#define PORTCULLIS_CLI_ACTION_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "portcullis/v1/action.pb.h"

namespace portcullis::cli {

// The value `text` denotes (see above).
v1::Value ParseArgumentValue(absl::string_view text);

// Adds each "NAME=VALUE" of `args` to `action`'s arguments. InvalidArgument
// for an item without "=", an empty name, or a name given twice.
absl::Status AddArguments(const std::vector<std::string>& args,
                          v1::Action& action);

// Sets each "KEY=VALUE" of `items` on `action`'s context. Keys are the
// context's fields, in proto or JSON spelling: confidence (a number),
// run_mode (interactive or unattended), request_id, correlation_id,
// session_id. InvalidArgument for an unknown key or a value that does not
// fit it.
absl::Status SetContext(const std::vector<std::string>& items,
                        v1::Action& action);

// Takes every occurrence of the repeatable flags `names` ("--NAME=V",
// "--NAME V", "-NAME=V", "-NAME V") out of `argv`, in order, up to a "--".
// Abseil keeps only a flag's last value; these keep all. Returns
// InvalidArgument when such a flag has no value.
struct RepeatedFlag {
  std::string name;
  std::string value;
};
absl::StatusOr<std::vector<RepeatedFlag>> ExtractRepeatedFlags(
    std::vector<char*>& argv, const std::vector<std::string>& names);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_ACTION_FLAGS_H_
