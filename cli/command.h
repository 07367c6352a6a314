// What every `portcullis` subcommand receives and returns. Commands write
// results to `out` and diagnostics to `err`, and return an exit code;
// they never call exit() themselves, so tests run them in-process.
#ifndef PORTCULLIS_CLI_COMMAND_H_
#define PORTCULLIS_CLI_COMMAND_H_

#include <ostream>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace portcullis::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // tampered, denied, changed, invalid
inline constexpr int kExitUsage = 2;   // bad flags or unreadable input

struct CommandIo {
  std::ostream& out;
  std::ostream& err;
  // Draw progress bars on `err` only when a person is watching.
  bool err_is_terminal = false;
};

// Writes "portcullis COMMAND: MESSAGE" to io.err and returns `code`.
int Complain(CommandIo& io, absl::string_view command,
             absl::string_view message, int code);

// For a call to a running gate that failed: reports it and returns
// kExitUsage when the gate cannot be reached, kExitFailed when it refused.
int GateRefused(CommandIo& io, absl::string_view command,
                const absl::Status& status);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_COMMAND_H_
