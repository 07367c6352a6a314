// Reads the --expect file of `portcullis replay`: YAML or JSON,
// {"changes": [portcullis.replay.v1.ExpectedChange, ...]} (docs/replay.md,
// "Expectations"). Thread-safe.
#ifndef PORTCULLIS_CLI_EXPECTATION_FILE_H_
#define PORTCULLIS_CLI_EXPECTATION_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "gate/replay/expectations.h"

namespace portcullis::cli {

// Returns no expectations for an empty path. NotFound when the file cannot
// be read; InvalidArgument naming the file and line of a change that does
// not parse or sets nothing but a note.
absl::StatusOr<gate::replay::Expectations> ReadExpectationFile(
    const std::string& path);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_EXPECTATION_FILE_H_
