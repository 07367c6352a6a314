// What every `portcullis` subcommand receives and returns. Commands write
// results to `out` and diagnostics to `err`, and return an exit code;
// they never call exit() themselves, so tests run them in-process.
#ifndef PORTCULLIS_CLI_COMMAND_H_
#define PORTCULLIS_CLI_COMMAND_H_

#include <ostream>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"

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

// For --json: prints `message` in proto JSON (camelCase fields, one
// object on one line) to io.out and returns kExitOk, or kExitFailed when it
// cannot be printed. Ad-hoc results are a google.protobuf.Struct.
int PrintJson(CommandIo& io, absl::string_view command,
              const google::protobuf::Message& message);

// Helpers to build a Struct result.
void SetNumber(google::protobuf::Struct& s, const std::string& key,
               double value);
void SetString(google::protobuf::Struct& s, const std::string& key,
               const std::string& value);
void SetBool(google::protobuf::Struct& s, const std::string& key, bool value);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_COMMAND_H_
