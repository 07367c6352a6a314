// Vets command-line flags before absl::ParseCommandLine sees them, so that
// an unknown flag or a bad value is a usage error (exit 2) with a message
// naming it, instead of absl's exit(1). Parsing itself stays with Abseil.
#ifndef PORTCULLIS_CLI_FLAG_CHECK_H_
#define PORTCULLIS_CLI_FLAG_CHECK_H_

#include "absl/status/status.h"

namespace portcullis::cli {

// Returns InvalidArgument naming the first flag that is not defined or
// whose value does not parse. Arguments after "--" are not flags.
absl::Status CheckFlags(int argc, char** argv);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_FLAG_CHECK_H_
