// portcullis: the command-line tool for operators, approvers, auditors and
// CI pipelines.
//
//   portcullis ledger verify --data DIR [--key GATE.pub] [--tenant T]
//   portcullis ledger export --data DIR --tenant T [--from N] [--to N]
//   portcullis ledger verify-export FILE --key GATE.pub
//   portcullis ledger prune | delete-tenant | rotate-key ...
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
#include "cli/ledger_export.h"
#include "cli/ledger_verify_export.h"
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
// ledger: evidence, retention and deletion (issue 5).
ABSL_FLAG(std::string, key, "",
          "The gate's public key file (ledger verify, verify-export).");
ABSL_FLAG(uint64_t, from, 0, "The first sequence to export (default 1).");
ABSL_FLAG(uint64_t, to, 0,
          "The last sequence to export (default: the latest checkpoint).");
ABSL_FLAG(std::string, format, "",
          "Export format (ledger export): evidence (the default).");
ABSL_FLAG(std::string, master_key, "",
          "The master key file (ledger export: include plaintexts; "
          "rotate-key).");
ABSL_FLAG(uint32_t, retention_days, 0,
          "Prune payloads of entries older than this (ledger prune).");
ABSL_FLAG(bool, confirm, false,
          "Confirm an irreversible operation (ledger delete-tenant).");

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
    "  portcullis ledger verify --data DIR [--key GATE.pub] [--tenant T]\n"
    "      Check every chain and signed checkpoint; exit 1 if any is broken.\n"
    "  portcullis ledger export --data DIR --tenant T [--from N] [--to N]\n"
    "      [--master_key FILE] [--format evidence]\n"
    "      Write entries with inclusion proofs and checkpoints as JSON Lines.\n"
    "  portcullis ledger verify-export FILE --key GATE.pub\n"
    "      Check an export without the database; exit 1 if it does not hold.\n"
    "  portcullis ledger prune --data DIR --retention_days N [--tenant T]\n"
    "      Remove payloads older than N days (gate stopped); recorded.\n"
    "  portcullis ledger delete-tenant --data DIR --tenant T --confirm\n"
    "      Delete a tenant and destroy its payload keys (gate stopped).\n"
    "  portcullis ledger rotate-key --data DIR --tenant T --master_key FILE\n"
    "      Start a new payload key version for a tenant (gate stopped).\n"
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
        {absl::GetFlag(FLAGS_data), absl::GetFlag(FLAGS_tenant),
         absl::GetFlag(FLAGS_key)},
        io);
  }
  if (words.size() == 3 && words[0] == "ledger" &&
      words[1] == "verify-export") {
    return RunLedgerVerifyExport({words[2], absl::GetFlag(FLAGS_key)}, io);
  }
  if (command == "ledger export") {
    return RunLedgerExport(
        {absl::GetFlag(FLAGS_data), absl::GetFlag(FLAGS_tenant),
         absl::GetFlag(FLAGS_from), absl::GetFlag(FLAGS_to),
         absl::GetFlag(FLAGS_format), absl::GetFlag(FLAGS_master_key)},
        io);
  }
  if (command == "ledger prune") {
    RealClock clock;
    return RunLedgerPrune(
        {absl::GetFlag(FLAGS_data), absl::GetFlag(FLAGS_tenant),
         absl::GetFlag(FLAGS_retention_days)},
        clock, io);
  }
  if (command == "ledger delete-tenant") {
    RealClock clock;
    return RunLedgerDeleteTenant(
        {absl::GetFlag(FLAGS_data), absl::GetFlag(FLAGS_tenant),
         absl::GetFlag(FLAGS_confirm)},
        clock, io);
  }
  if (command == "ledger rotate-key") {
    return RunLedgerRotateKey(
        {absl::GetFlag(FLAGS_data), absl::GetFlag(FLAGS_tenant),
         absl::GetFlag(FLAGS_master_key)},
        io);
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
