// What every `portcullis` subcommand receives and returns. Commands write
// results to `out` and diagnostics to `err`, and return an exit code;
// they never call exit() themselves, so tests run them in-process.
#ifndef PORTCULLIS_CLI_COMMAND_H_
#define PORTCULLIS_CLI_COMMAND_H_

#include <ostream>

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

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_COMMAND_H_
