// portcullis: the command-line tool for operators, approvers, auditors and
// CI pipelines.
//
//   portcullis ledger verify --data DIR [--tenant T]
//
// Exit codes: 0 success, 1 a failed check (tampering, ...), 2 usage errors.
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/command.h"
#include "cli/flag_check.h"
#include "cli/ledger_commands.h"
#include "crypto/sodium.h"

ABSL_FLAG(std::string, data, "", "The gate's data directory (its ledger).");
ABSL_FLAG(std::string, tenant, "", "Limit the command to one tenant.");

namespace portcullis::cli {
namespace {

constexpr char kCommands[] =
    "  portcullis ledger verify --data DIR [--tenant T]\n"
    "      Check every hash chain in a ledger; exit 1 if any is broken.\n"
    "\n"
    "Exit codes: 0 success, 1 a check failed, 2 usage error.";

int Usage(CommandIo& io, absl::string_view problem) {
  io.err << "portcullis: " << problem << "\n\nUsage:\n" << kCommands << "\n";
  return kExitUsage;
}

int Dispatch(const std::vector<std::string>& words, CommandIo& io) {
  std::string command = absl::StrJoin(words, " ");
  if (command == "ledger verify") {
    return RunLedgerVerify(
        {absl::GetFlag(FLAGS_data), absl::GetFlag(FLAGS_tenant)}, io);
  }
  if (command.empty()) return Usage(io, "no command given");
  return Usage(io, "unknown command \"" + command + "\"");
}

}  // namespace
}  // namespace portcullis::cli

int main(int argc, char** argv) {
  using namespace portcullis::cli;
  CommandIo io{std::cout, std::cerr, ::isatty(STDERR_FILENO) == 1};
  absl::SetProgramUsageMessage(
      absl::StrCat("the Portcullis command-line tool.\n\n", kCommands));
  if (absl::Status s = CheckFlags(argc, argv); !s.ok()) {
    return Usage(io, s.message());
  }
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (!portcullis::crypto::Initialize().ok()) {
    io.err << "portcullis: libsodium failed to initialise\n";
    return kExitFailed;
  }
  std::vector<std::string> words(positional.begin() + 1, positional.end());
  return Dispatch(words, io);
}
