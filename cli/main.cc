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
#include "base/clock.h"
#include "cli/command.h"
#include "cli/flag_check.h"
#include "cli/keys_commands.h"
#include "cli/ledger_commands.h"
#include "cli/policy_commands.h"
#include "crypto/sodium.h"

ABSL_FLAG(std::string, data, "", "The gate's data directory (its ledger).");
ABSL_FLAG(std::string, tenant, "", "Limit the command to one tenant.");
ABSL_FLAG(std::string, policy, "", "A policy file or directory.");
ABSL_FLAG(std::string, action, "",
          "A portcullis.v1.Action in proto JSON (policy explain).");
ABSL_FLAG(std::string, out, "",
          "Path prefix for new key files (keys generate): PREFIX.key, "
          "PREFIX.pub.");
ABSL_FLAG(std::string, at, "",
          "The instant to decide at, RFC 3339 (policy explain); default now.");

namespace portcullis::cli {
namespace {

constexpr char kCommands[] =
    "  portcullis policy check FILE|DIR...\n"
    "      Compile a policy; list every error as file:line:column.\n"
    "  portcullis policy explain --policy FILE|DIR --action ACTION.json "
    "[--at TIME]\n"
    "      Decide one action offline and show how every rule fared.\n"
    "  portcullis keys generate --out PREFIX\n"
    "      Write a new Ed25519 key pair: PREFIX.key (0600) and PREFIX.pub.\n"
    "  portcullis ledger verify --data DIR [--tenant T]\n"
    "      Check every hash chain in a ledger; exit 1 if any is broken.\n"
    "\n"
    "Exit codes: 0 success, 1 a check failed, 2 usage error.";

int Usage(CommandIo& io, absl::string_view problem) {
  io.err << "portcullis: " << problem << "\n\nUsage:\n" << kCommands << "\n";
  return kExitUsage;
}

int Dispatch(const std::vector<std::string>& words, CommandIo& io) {
  if (words.size() >= 2 && words[0] == "policy" && words[1] == "check") {
    return RunPolicyCheck({{words.begin() + 2, words.end()}}, io);
  }
  std::string command = absl::StrJoin(words, " ");
  if (command == "keys generate") {
    return RunKeysGenerate({absl::GetFlag(FLAGS_out)}, io);
  }
  if (command == "policy explain") {
    RealClock clock;
    return RunPolicyExplain(
        {absl::GetFlag(FLAGS_policy), absl::GetFlag(FLAGS_action),
         absl::GetFlag(FLAGS_at)},
        clock, io);
  }
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
