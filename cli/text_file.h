// Whole-file reads and writes for the offline commands' inputs and reports.
// Thread-safe (no shared state).
#ifndef PORTCULLIS_CLI_TEXT_FILE_H_
#define PORTCULLIS_CLI_TEXT_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace portcullis::cli {

// The largest file read whole (test and expectation files).
inline constexpr size_t kMaxTextFileBytes = 16 << 20;

// Returns the file's bytes; NotFound naming `path` when it cannot be read,
// InvalidArgument when it is larger than kMaxTextFileBytes.
absl::StatusOr<std::string> ReadTextFile(const std::string& path);

// Replaces the file's content; Unavailable naming `path` on failure.
absl::Status WriteTextFile(const std::string& path, absl::string_view text);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_TEXT_FILE_H_
