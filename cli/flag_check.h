// Vets command-line flags before absl::ParseCommandLine sees them, so that
// an unknown flag or a bad value is a usage error (exit 2) with a message
// naming it, instead of absl's exit(1). Parsing itself stays with Abseil.
#ifndef PORTCULLIS_CLI_FLAG_CHECK_H_
#define PORTCULLIS_CLI_FLAG_CHECK_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace portcullis::cli {

// What CheckFlags saw on the command line, in order.
struct ScannedArgs {
  std::vector<std::string> flags;  // names, without dashes or "no"
  std::vector<std::string> words;  // the positional arguments
};

// Returns InvalidArgument naming the first flag that is not defined or
// whose value does not parse. Arguments after "--" are not flags. When
// `scanned` is given it is filled with every flag name and positional word,
// even past an error (an unknown flag is taken to stand alone), so the
// caller can name the command the error is about.
absl::Status CheckFlags(int argc, char** argv, ScannedArgs* scanned = nullptr);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_FLAG_CHECK_H_
