// portcullis: the command-line tool for operators, approvers, auditors and
// CI pipelines. Run without arguments for the list of commands.
//
// Exit codes: 0 success, 1 a failed check (tampering, a refusal, ...),
// 2 usage errors and unreadable input.
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "cli/action_flags.h"
#include "cli/activity_commands.h"
#include "cli/amend_command.h"
#include "cli/approval_commands.h"
#include "cli/command.h"
#include "cli/command_table.h"
#include "cli/evaluate_command.h"
#include "cli/flag_check.h"
#include "cli/gate_client.h"
#include "cli/keys_commands.h"
#include "cli/ledger_commands.h"
#include "cli/ledger_export.h"
#include "cli/ledger_merge.h"
#include "cli/ledger_verify_export.h"
#include "cli/maintenance_commands.h"
#include "cli/policy_commands.h"
#include "cli/policy_init.h"
#include "cli/policy_test_command.h"
#include "cli/receipt_commands.h"
#include "cli/replay_command.h"
#include "cli/secret_commands.h"
#include "cli/standing_commands.h"
#include "cli/token_commands.h"
#include "crypto/sodium.h"

// Offline commands.
ABSL_FLAG(std::string, data, "", "The gate's data directory (its ledger).");
ABSL_FLAG(std::string, replica, "",
          "ledger prune/delete-tenant/rotate-key/recover: the replica whose "
          "ledger it is, for one that does not keep its name; refused when "
          "it disagrees with the name the ledger keeps.");
ABSL_FLAG(std::string, tenant, "", "The tenant the command is for.");
ABSL_FLAG(std::string, policy, "", "A policy file or directory.");
ABSL_FLAG(std::string, action, "", "A portcullis.v1.Action in proto JSON.");
ABSL_FLAG(std::string, from_mcp, "",
          "The JSON of an MCP tools/list (policy init).");
ABSL_FLAG(std::string, at, "",
          "The instant to decide at, RFC 3339 (policy explain); default now.");
ABSL_FLAG(std::string, history, "",
          "A recording of earlier actions (policy explain): those of the "
          "action's tenant decided before --at are replayed first, so limits "
          "and session rules see them. JSON Lines, or binary by *.binpb.");
ABSL_FLAG(std::string, out, "",
          "Path prefix for new key files (keys generate); where to write the "
          "amended policy file (policy amend; default standard output).");
ABSL_FLAG(std::string, propose, "",
          "A rule to propose for the action's tool with the verdict "
          "(approve, deny; docs/approvals.md).");
ABSL_FLAG(std::string, rationale, "",
          "Why the proposed rule (required with --propose).");
ABSL_FLAG(std::string, proposal, "",
          "An amendment proposal's id, as Approve answered it (policy "
          "amend).");
ABSL_FLAG(std::string, receipt, "",
          "A portcullis.v1.ExecutionReceipt in proto JSON (receipt verify).");
ABSL_FLAG(
    std::string, key, "",
    "A key file: your signing key (approve, deny), the gate's public "
    "key (receipt verify, ledger verify, ledger verify-export; ledger merge: "
    "several, comma-separated) or the "
    "gate's own key (ledger recover; default DIR/gate.key).");
ABSL_FLAG(uint64_t, from, 0,
          "The first sequence to export (default 1), or to stream (activity "
          "tail; default: only new entries).");
ABSL_FLAG(uint64_t, to, 0,
          "The last sequence to export (default: the latest checkpoint).");
ABSL_FLAG(std::string, format, "",
          "Export format (ledger export): evidence (the default), replay "
          "(JSON Lines) or replay-binpb (binary, for large recordings). "
          "Event format (activity tail): json (the default) or syslog "
          "(RFC 5424).");
// The activity stream (issue 18).
ABSL_FLAG(uint64_t, limit, 0,
          "Stop after this many events (activity tail); default: follow "
          "until interrupted.");
ABSL_FLAG(std::string, syslog_address, "",
          "Send each event to this loopback syslog collector, host:port, "
          "over TCP with octet counting (activity tail; implies --format "
          "syslog).");
ABSL_FLAG(std::string, master_key, "",
          "The master key file (ledger export: include plaintexts; "
          "rotate-key).");
ABSL_FLAG(bool, decrypt, false,
          "Ask the gate to open the payloads with its master key (ledger "
          "export without --data).");
ABSL_FLAG(uint32_t, retention_days, 0,
          "Prune payloads of entries older than this (ledger prune).");
ABSL_FLAG(uint32_t, threads, 0,
          "Hashing threads (ledger verify); default 0, one per core.");
ABSL_FLAG(bool, confirm, false,
          "Confirm an irreversible operation (ledger delete-tenant).");
// Tokens.
ABSL_FLAG(std::string, principal, "", "A principal's name (tokens).");
ABSL_FLAG(std::vector<std::string>, role, {},
          "Roles, comma-separated: agent, approver, operator, auditor, gateway "
          "(tokens create).");
ABSL_FLAG(std::vector<std::string>, unix_uid, {},
          "Unix uids that are the principal too (tokens create).");
ABSL_FLAG(std::vector<std::string>, agent_ids, {},
          "Agent ids the principal may speak as, comma-separated; '*' for "
          "any (tokens create; default: only its own name).");
ABSL_FLAG(std::string, principals_file, "",
          "The gate's principals file (tokens).");
ABSL_FLAG(std::string, token_hash, "",
          "The hash of the token to revoke, as create printed it.");
// Replay and policy tests (offline).
ABSL_FLAG(std::string, input, "",
          "A recording, JSON Lines (replay); - for standard input.");
ABSL_FLAG(std::string, expect, "",
          "The decision changes a policy edit is meant to make, YAML or JSON "
          "(replay).");
ABSL_FLAG(std::string, junit, "", "Also write JUnit XML here (replay).");
ABSL_FLAG(bool, json, false,
          "Print the result as JSON (see each command's --help).");
ABSL_FLAG(std::string, input_format, "",
          "The recording's format (replay): jsonl or binpb; by default "
          "*.binpb is binary and anything else JSON Lines.");
// Commands that talk to a running gate.
ABSL_FLAG(std::string, gate, "",
          "The gate's address: host:port or unix:/path/to/portcullis.sock. "
          "Default: unix:DATA/portcullis.sock when that socket exists (DATA "
          "is --data, or ./data), else 127.0.0.1:7575.");
ABSL_FLAG(std::string, token, "",
          "Your bearer token for the gate; default $PORTCULLIS_TOKEN. Over "
          "the Unix socket your uid may identify you instead.");
ABSL_FLAG(std::string, name, "",
          "A secret's name (secrets); the policy's name (policy init).");
ABSL_FLAG(std::string, agent, "", "The agent proposing the action (evaluate).");
ABSL_FLAG(std::string, tool, "", "The tool the action calls (evaluate).");
ABSL_FLAG(std::string, idempotency_key, "",
          "The action's idempotency key (evaluate).");
ABSL_FLAG(std::string, approver, "",
          "Your approver id, as registered in the gate's configuration.");
ABSL_FLAG(std::string, comment, "", "A comment recorded with an approval.");
ABSL_FLAG(std::string, reason, "",
          "Why: required to deny or halt, recorded on the ledger.");
ABSL_FLAG(bool, yes, false,
          "Sign without asking (approve, deny); otherwise they show the "
          "action and ask y/N at the terminal.");
ABSL_FLAG(absl::Duration, valid_for, absl::Minutes(15),
          "How long a signed approval stays valid.");
ABSL_FLAG(std::string, id, "",
          "A standing approval's id (approvals grant-standing, "
          "revoke-standing).");
ABSL_FLAG(uint32_t, max_uses, 0,
          "How many actions a standing approval allows at most.");
ABSL_FLAG(absl::Duration, window, absl::Hours(24),
          "How long a standing approval applies, from now.");

namespace portcullis::cli {
namespace {

constexpr char kFooter[] =
    "\n"
    "Commands at a running gate call --gate ADDR: by default the Unix socket\n"
    "./data/portcullis.sock (or DATA/portcullis.sock with --data DATA) when\n"
    "it exists, else 127.0.0.1:7575.\n"
    "Every command answers --help with its usage; --json prints a result\n"
    "as JSON where the command lists it.\n"
    "Exit codes: 0 success, 1 a check failed or the gate refused, 2 usage "
    "error.";

std::string AllCommands() { return CommandList() + kFooter; }

// The gate the commands that talk to one call (cli/gate_client.h).
std::string Gate() {
  return GateAddress(absl::GetFlag(FLAGS_gate), absl::GetFlag(FLAGS_data));
}

int Usage(CommandIo& io, absl::string_view problem) {
  io.err << "portcullis: " << problem << "\n\n" << AllCommands() << "\n";
  return kExitUsage;
}

VerdictArgs Verdict(const std::vector<std::string>& words, bool approve) {
  VerdictArgs args;
  args.gate = Gate();
  args.token = TokenFrom(absl::GetFlag(FLAGS_token));
  args.tenant = absl::GetFlag(FLAGS_tenant);
  args.decision_id = words.size() > 1 ? words[1] : "";
  args.key_file = absl::GetFlag(FLAGS_key);
  args.approver = absl::GetFlag(FLAGS_approver);
  args.comment =
      approve ? absl::GetFlag(FLAGS_comment) : absl::GetFlag(FLAGS_reason);
  args.valid_for = absl::GetFlag(FLAGS_valid_for);
  args.approve = approve;
  args.yes = absl::GetFlag(FLAGS_yes);
  args.propose = absl::GetFlag(FLAGS_propose);
  args.rationale = absl::GetFlag(FLAGS_rationale);
  return args;
}

// Values of the repeatable flags --arg and --context, taken out of argv
// before Abseil parses it (Abseil keeps only a flag's last value).
struct Repeated {
  std::vector<std::string> arguments;
  std::vector<std::string> context;
  std::vector<std::string> constraints;  // grant-standing
};

int Dispatch(const std::vector<std::string>& words, const Repeated& repeated,
             CommandIo& io) {
  if (words.empty()) return Usage(io, "no command given");
  RealClock clock;
  const std::string& verb = words[0];
  const std::string two =
      words.size() >= 2 ? absl::StrCat(verb, " ", words[1]) : verb;
  if (two == "policy check") {
    return RunPolicyCheck(
        {{words.begin() + 2, words.end()}, absl::GetFlag(FLAGS_json)}, io);
  }
  if (two == "policy test") {
    if (words.size() != 3) return Usage(io, "policy test takes one DIR");
    return RunPolicyTest({words[2], absl::GetFlag(FLAGS_policy)}, io);
  }
  if (verb == "approve" || verb == "deny") {
    if (words.size() != 2) {
      return Usage(io, absl::StrCat(verb, " takes one decision id"));
    }
    return RunVerdict(Verdict(words, verb == "approve"), clock, std::cin,
                      ::isatty(STDIN_FILENO) == 1, io);
  }
  const std::string command = absl::StrJoin(words, " ");
  if (command == "policy init") {
    return RunPolicyInit(
        {absl::GetFlag(FLAGS_from_mcp), absl::GetFlag(FLAGS_tenant),
         absl::GetFlag(FLAGS_name), absl::GetFlag(FLAGS_out)},
        clock, io);
  }
  if (command == "policy amend") {
    return RunPolicyAmend(
        {absl::GetFlag(FLAGS_proposal), absl::GetFlag(FLAGS_data),
         absl::GetFlag(FLAGS_tenant), absl::GetFlag(FLAGS_policy),
         absl::GetFlag(FLAGS_out), absl::GetFlag(FLAGS_master_key)},
        io);
  }
  if (command == "policy explain") {
    return RunPolicyExplain(
        {absl::GetFlag(FLAGS_policy), absl::GetFlag(FLAGS_action),
         absl::GetFlag(FLAGS_at), absl::GetFlag(FLAGS_history)},
        clock, io);
  }
  if (command == "replay") {
    return RunReplay(
        {absl::GetFlag(FLAGS_policy), absl::GetFlag(FLAGS_input),
         absl::GetFlag(FLAGS_expect), absl::GetFlag(FLAGS_junit),
         absl::GetFlag(FLAGS_json), absl::GetFlag(FLAGS_input_format)},
        io);
  }
  if (command == "evaluate") {
    EvaluateArgs args;
    args.gate = Gate();
    args.token = TokenFrom(absl::GetFlag(FLAGS_token));
    args.tenant = absl::GetFlag(FLAGS_tenant);
    args.agent = absl::GetFlag(FLAGS_agent);
    args.tool = absl::GetFlag(FLAGS_tool);
    args.arguments = repeated.arguments;
    args.context = repeated.context;
    args.idempotency_key = absl::GetFlag(FLAGS_idempotency_key);
    args.json = absl::GetFlag(FLAGS_json);
    return RunEvaluate(args, io);
  }
  if (!repeated.arguments.empty() || !repeated.context.empty()) {
    return Usage(io, "--arg and --context are for evaluate");
  }
  if (command == "approvals grant-standing") {
    GrantStandingArgs args;
    args.gate = Gate();
    args.token = TokenFrom(absl::GetFlag(FLAGS_token));
    args.tenant = absl::GetFlag(FLAGS_tenant);
    args.id = absl::GetFlag(FLAGS_id);
    args.tool = absl::GetFlag(FLAGS_tool);
    args.constraints = repeated.constraints;
    args.window = absl::GetFlag(FLAGS_window);
    args.max_uses = absl::GetFlag(FLAGS_max_uses);
    args.key_file = absl::GetFlag(FLAGS_key);
    args.approver = absl::GetFlag(FLAGS_approver);
    args.comment = absl::GetFlag(FLAGS_comment);
    args.yes = absl::GetFlag(FLAGS_yes);
    return RunGrantStanding(args, clock, std::cin, ::isatty(STDIN_FILENO) == 1,
                            io);
  }
  if (!repeated.constraints.empty()) {
    return Usage(io, "--constraint is for approvals grant-standing");
  }
  if (command == "approvals revoke-standing") {
    return RunRevokeStanding(
        {Gate(), TokenFrom(absl::GetFlag(FLAGS_token)),
         absl::GetFlag(FLAGS_tenant), absl::GetFlag(FLAGS_id),
         absl::GetFlag(FLAGS_key), absl::GetFlag(FLAGS_approver),
         absl::GetFlag(FLAGS_reason)},
        io);
  }
  if (command == "approvals list-standing") {
    return RunListStanding(
        {Gate(), TokenFrom(absl::GetFlag(FLAGS_token)),
         absl::GetFlag(FLAGS_tenant), absl::GetFlag(FLAGS_json)},
        io);
  }
  if (command == "approvals list") {
    return RunApprovalsList(
        {Gate(), TokenFrom(absl::GetFlag(FLAGS_token)),
         absl::GetFlag(FLAGS_tenant), absl::GetFlag(FLAGS_json)},
        io);
  }
  if (command == "activity tail") {
    return RunActivityTail(
        {Gate(), TokenFrom(absl::GetFlag(FLAGS_token)),
         absl::GetFlag(FLAGS_tenant), absl::GetFlag(FLAGS_from),
         absl::GetFlag(FLAGS_format), absl::GetFlag(FLAGS_limit),
         absl::GetFlag(FLAGS_syslog_address)},
        io);
  }
  if (command == "reload") {
    return RunReload({Gate(), TokenFrom(absl::GetFlag(FLAGS_token)),
                      absl::GetFlag(FLAGS_json)},
                     io);
  }
  if (command == "halt" || command == "resume") {
    return RunHalt({Gate(), TokenFrom(absl::GetFlag(FLAGS_token)),
                    absl::GetFlag(FLAGS_tenant), absl::GetFlag(FLAGS_reason),
                    command == "halt", absl::GetFlag(FLAGS_json)},
                   io);
  }
  if (command == "tokens create") {
    TokensCreateArgs args;
    args.principal = absl::GetFlag(FLAGS_principal);
    args.roles = absl::GetFlag(FLAGS_role);
    std::string tenants = absl::GetFlag(FLAGS_tenant);
    if (!tenants.empty()) args.tenants = absl::StrSplit(tenants, ',');
    for (const std::string& uid : absl::GetFlag(FLAGS_unix_uid)) {
      uint32_t value = 0;
      if (!absl::SimpleAtoi(uid, &value)) {
        return Usage(io, "--unix_uid takes numbers");
      }
      args.unix_uids.push_back(value);
    }
    args.agents = absl::GetFlag(FLAGS_agent_ids);
    args.principals_file = absl::GetFlag(FLAGS_principals_file);
    return RunTokensCreate(args, io);
  }
  if (command == "tokens revoke") {
    return RunTokensRevoke(
        {absl::GetFlag(FLAGS_principals_file), absl::GetFlag(FLAGS_principal),
         absl::GetFlag(FLAGS_token_hash)},
        io);
  }
  if (command == "tokens list") {
    return RunTokensList(absl::GetFlag(FLAGS_principals_file), io);
  }
  if (verb == "secrets") {
    SecretArgs args{Gate(), TokenFrom(absl::GetFlag(FLAGS_token)),
                    absl::GetFlag(FLAGS_tenant), absl::GetFlag(FLAGS_name),
                    absl::GetFlag(FLAGS_json)};
    if (command == "secrets put" || command == "secrets rotate") {
      return RunSecretsPut(args, command == "secrets rotate", std::cin,
                           ::isatty(STDIN_FILENO) == 1, io);
    }
    if (command == "secrets list") return RunSecretsList(args, io);
    if (command == "secrets delete") return RunSecretsDelete(args, io);
  }
  if (command == "keys generate") {
    return RunKeysGenerate({absl::GetFlag(FLAGS_out)}, io);
  }
  if (command == "receipt verify") {
    return RunReceiptVerify(
        {absl::GetFlag(FLAGS_receipt), absl::GetFlag(FLAGS_key),
         absl::GetFlag(FLAGS_action)},
        io);
  }
  if (command == "ledger verify") {
    return RunLedgerVerify(
        {absl::GetFlag(FLAGS_data), absl::GetFlag(FLAGS_tenant),
         absl::GetFlag(FLAGS_key), absl::GetFlag(FLAGS_json),
         absl::GetFlag(FLAGS_threads)},
        io);
  }
  if (two == "ledger merge" && words.size() >= 3) {
    return RunLedgerMerge(
        {std::vector<std::string>(words.begin() + 2, words.end()),
         absl::GetFlag(FLAGS_key)},
        io);
  }
  if (two == "ledger verify-export" && words.size() == 3) {
    return RunLedgerVerifyExport({words[2], absl::GetFlag(FLAGS_key)}, io);
  }
  if (command == "ledger export") {
    return RunLedgerExport(
        {absl::GetFlag(FLAGS_data), absl::GetFlag(FLAGS_tenant),
         absl::GetFlag(FLAGS_from), absl::GetFlag(FLAGS_to),
         absl::GetFlag(FLAGS_format), absl::GetFlag(FLAGS_master_key), Gate(),
         TokenFrom(absl::GetFlag(FLAGS_token)), absl::GetFlag(FLAGS_decrypt)},
        io);
  }
  if (command == "ledger prune") {
    return RunLedgerPrune(
        {absl::GetFlag(FLAGS_data), absl::GetFlag(FLAGS_tenant),
         absl::GetFlag(FLAGS_retention_days), absl::GetFlag(FLAGS_replica)},
        clock, io);
  }
  if (command == "ledger delete-tenant") {
    return RunLedgerDeleteTenant(
        {absl::GetFlag(FLAGS_data), absl::GetFlag(FLAGS_tenant),
         absl::GetFlag(FLAGS_confirm), absl::GetFlag(FLAGS_replica)},
        clock, io);
  }
  if (command == "ledger recover") {
    return RunLedgerRecover(
        {absl::GetFlag(FLAGS_data), absl::GetFlag(FLAGS_key),
         absl::GetFlag(FLAGS_replica)},
        clock, io);
  }
  if (command == "ledger rotate-key") {
    return RunLedgerRotateKey(
        {absl::GetFlag(FLAGS_data), absl::GetFlag(FLAGS_tenant),
         absl::GetFlag(FLAGS_master_key), absl::GetFlag(FLAGS_replica)},
        clock, io);
  }
  if (command == "maintenance rotate-key" ||
      command == "maintenance delete-tenant") {
    MaintenanceArgs args{Gate(), TokenFrom(absl::GetFlag(FLAGS_token)),
                         absl::GetFlag(FLAGS_tenant),
                         absl::GetFlag(FLAGS_confirm),
                         absl::GetFlag(FLAGS_json)};
    return command == "maintenance rotate-key"
               ? RunMaintenanceRotateKey(args, io)
               : RunMaintenanceDeleteTenant(args, io);
  }
  return Usage(io, "unknown command \"" + command + "\"");
}

}  // namespace
}  // namespace portcullis::cli

namespace portcullis::cli {
namespace {

bool IsHelp(absl::string_view arg) {
  return arg == "--help" || arg == "-help" || arg == "-h" ||
         arg == "--helpfull" || arg == "-helpfull";
}

// "usage: ..." for a command that could not run, on stderr.
int CommandError(CommandIo& io, const CommandSpec& command,
                 absl::string_view message) {
  Complain(io, command.name, message, kExitUsage);
  io.err << "\n" << CommandUsage(command);
  return kExitUsage;
}

}  // namespace
}  // namespace portcullis::cli

int main(int argc, char** argv) {
  using namespace portcullis::cli;
  CommandIo io{std::cout, std::cerr, ::isatty(STDERR_FILENO) == 1};
  absl::SetProgramUsageMessage(
      absl::StrCat("the Portcullis command-line tool.\n\n", AllCommands()));
  std::vector<char*> args;
  bool help = false;
  for (int i = 0; i < argc; ++i) {
    // --help is answered here, from the command table, not by Abseil
    // (which would list every flag of every command and exit 1).
    if (i > 0 && IsHelp(argv[i])) {
      help = true;
      continue;
    }
    args.push_back(argv[i]);
  }
  auto extracted = ExtractRepeatedFlags(args, {"arg", "context", "constraint"});
  if (!extracted.ok()) return Usage(io, extracted.status().message());
  Repeated repeated;
  ScannedArgs scanned;
  for (RepeatedFlag& flag : *extracted) {
    scanned.flags.push_back(flag.name);
    (flag.name == "arg"          ? repeated.arguments
     : flag.name == "constraint" ? repeated.constraints
                                 : repeated.context)
        .push_back(std::move(flag.value));
  }
  absl::Status checked =
      CheckFlags(static_cast<int>(args.size()), args.data(), &scanned);
  const CommandSpec* command = FindCommand(scanned.words);
  if (help) {
    if (command != nullptr) {
      io.out << CommandUsage(*command);
      return kExitOk;
    }
    std::string prefix = absl::StrJoin(scanned.words, " ");
    std::string list = CommandList(prefix);
    if (list.empty()) return Usage(io, "unknown command \"" + prefix + "\"");
    io.out << (prefix.empty() ? AllCommands() : list) << "\n";
    return kExitOk;
  }
  if (command != nullptr) {
    if (!checked.ok()) return CommandError(io, *command, checked.message());
    for (const std::string& flag : scanned.flags) {
      if (std::find(command->flags.begin(), command->flags.end(), flag) ==
          command->flags.end()) {
        return CommandError(io, *command,
                            absl::StrCat("--", flag, " is not a flag of \"",
                                         command->name, "\""));
      }
    }
  } else if (!checked.ok()) {
    return Usage(io, checked.message());
  }
  std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  if (!portcullis::crypto::Initialize().ok()) {
    io.err << "portcullis: libsodium failed to initialise\n";
    return kExitFailed;
  }
  std::vector<std::string> words(positional.begin() + 1, positional.end());
  return Dispatch(words, repeated, io);
}
