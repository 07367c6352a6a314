#include "cli/command_table.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace portcullis::cli {
namespace {

// Flags every command at a running gate takes: where it is and who you are.
std::vector<std::string> AtGate(std::vector<std::string> more) {
  std::vector<std::string> flags = {"gate", "token", "data"};
  flags.insert(flags.end(), more.begin(), more.end());
  return flags;
}

std::vector<CommandSpec> Table() {
  const std::string policies = "Policies (offline)";
  const std::string replay = "Replay (offline, for CI)";
  const std::string actions = "Actions (at a running gate, as an agent)";
  const std::string approvals = "Approvals (at a running gate)";
  const std::string admin =
      "Kill switch and reload (at a running gate, the operator)";
  const std::string tokens =
      "Tokens (offline; the gate reloads the principals file)";
  const std::string secrets =
      "Secrets for connectors (at a running gate; values from stdin)";
  const std::string keys = "Keys and receipts (offline)";
  const std::string ledger =
      "The ledger (offline; prune, delete-tenant, rotate-key with the gate "
      "stopped)";
  const std::string activity =
      "The activity stream (at a running gate, the operator or auditor)";
  const std::string maintenance =
      "Ledger maintenance (at a running gate, the operator; retention runs "
      "on its schedule)";
  return {
      {"policy check",
       policies,
       "FILE|DIR... [--json]",
       "Compile a policy; list every error as file:line:column.",
       {"json"},
       true},
      {"policy explain",
       policies,
       "--policy FILE|DIR --action ACTION.json [--at TIME] "
       "[--history RECORDING]",
       "Decide one action offline and show how every rule fared; with a\n"
       "history, after the recorded actions before it (limits, sessions).",
       {"policy", "action", "at", "history"}},
      {"policy init",
       policies,
       "--from_mcp TOOLS.json [--tenant T] [--name N] [--out FILE]",
       "Write a policy skeleton: every tool an MCP server lists, typed,\n"
       "      and denied until you write the rules.",
       {"from_mcp", "tenant", "name", "out"}},
      {"policy amend",
       policies,
       "--proposal ID --data DIR --tenant T --policy FILE|DIR\n"
       "      [--out FILE] [--master_key FILE]",
       "Write an approver's proposed rule into the policy, show the diff\n"
       "      and replay the ledger: which past decisions it would change.",
       {"proposal", "data", "tenant", "policy", "out", "master_key"}},
      {"policy test",
       policies,
       "DIR [--policy FILE|DIR]",
       "Run the policy unit tests (*_test.yaml) under DIR; show rule "
       "coverage.",
       {"policy"},
       true},
      {"replay",
       replay,
       "--policy FILE|DIR --input RECORDING.jsonl|.binpb [--expect FILE]\n"
       "      [--junit OUT.xml] [--json] [--input_format jsonl|binpb]",
       "Decide recorded actions again; exit 1 if a decision changes "
       "unexpectedly.",
       {"policy", "input", "expect", "junit", "json", "input_format"}},
      {"evaluate", actions,
       "--tenant T --agent A --tool X [--arg NAME=VALUE]...\n"
       "      [--context KEY=VALUE]... [--idempotency_key K] [--json]",
       "Propose one action; print the decision. Values: 75.00SAR (money),\n"
       "      42, true, [a,b], \"text\"; --context confidence=0.6, "
       "run_mode=...,\n"
       "      request_id=..., correlation_id=..., session_id=...",
       AtGate({"tenant", "agent", "tool", "arg", "context", "idempotency_key",
               "json"})},
      {"approvals list", approvals, "--tenant T [--json]",
       "List the tenant's pending approvals.", AtGate({"tenant", "json"})},
      {"approve", approvals,
       "ID --tenant T --key FILE --approver ID [--comment C] [--yes] "
       "[--valid_for D]\n"
       "      [--propose RULE --rationale WHY]",
       "Show the action, ask y/N (unless --yes), sign and submit;\n"
       "      --propose adds a rule for the tool to the signed statement.",
       AtGate({"tenant", "key", "approver", "comment", "yes", "valid_for",
               "propose", "rationale"}),
       true},
      {"deny", approvals,
       "ID --tenant T --key FILE --approver ID --reason R [--yes] "
       "[--valid_for D]\n"
       "      [--propose RULE --rationale WHY]",
       "Show the action, ask y/N (unless --yes), sign and submit.",
       AtGate({"tenant", "key", "approver", "reason", "yes", "valid_for",
               "propose", "rationale"}),
       true},
      {"approvals grant-standing", approvals,
       "--tenant T --id ID --tool X [--constraint 'amount<=100SAR']...\n"
       "      --max_uses N [--window D] --key FILE --approver ID "
       "[--comment C] [--yes]",
       "Sign a standing approval: the tool's matching actions are allowed\n"
       "      without asking, within the window and the uses.",
       AtGate({"tenant", "id", "tool", "constraint", "max_uses", "window",
               "key", "approver", "comment", "yes"})},
      {"approvals revoke-standing", approvals,
       "--tenant T --id ID --key FILE --approver ID [--reason R]",
       "Sign the end of a standing approval.",
       AtGate({"tenant", "id", "key", "approver", "reason"})},
      {"approvals list-standing", approvals, "--tenant T [--json]",
       "List the tenant's standing approvals and their uses.",
       AtGate({"tenant", "json"})},
      {"halt", admin, "[--tenant T] --reason R [--json]",
       "Halt a tenant, or the whole gate: every action is denied.",
       AtGate({"tenant", "reason", "json"})},
      {"resume", admin, "[--tenant T] [--reason R] [--json]", "Lift a halt.",
       AtGate({"tenant", "reason", "json"})},
      {"reload", admin, "[--json]",
       "Re-read the policy, principals and approvers, as SIGHUP does.",
       AtGate({"json"})},
      {"tokens create",
       tokens,
       "--principal P --role R[,R] --tenant T[,T] [--unix_uid U] "
       "[--agent_ids A[,A]] [--principals_file F]",
       "Mint a bearer token for a principal (shown once).",
       {"principal", "role", "tenant", "unix_uid", "agent_ids",
        "principals_file"}},
      {"tokens revoke",
       tokens,
       "--principals_file F --principal P --token_hash H",
       "Remove a token from the principals file.",
       {"principals_file", "principal", "token_hash"}},
      {"tokens list",
       tokens,
       "--principals_file F",
       "List the principals and their token hashes.",
       {"principals_file"}},
      {"secrets put", secrets, "--tenant T --name N < value",
       "Store a new secret.", AtGate({"tenant", "name"})},
      {"secrets rotate", secrets, "--tenant T --name N < value",
       "Replace a secret's value with a new version.",
       AtGate({"tenant", "name"})},
      {"secrets list", secrets, "--tenant T [--json]",
       "List the tenant's secrets (names and versions, never values).",
       AtGate({"tenant", "json"})},
      {"secrets delete", secrets, "--tenant T --name N", "Delete a secret.",
       AtGate({"tenant", "name"})},
      {"keys generate",
       keys,
       "--out PREFIX",
       "Write a new Ed25519 key pair: PREFIX.key (0600) and PREFIX.pub.",
       {"out"}},
      {"receipt verify",
       keys,
       "--receipt FILE --key GATE.pub [--action ACTION.json]",
       "Check an execution receipt's signature (and its action).",
       {"receipt", "key", "action"}},
      {"ledger verify",
       ledger,
       "--data DIR [--key GATE.pub] [--tenant T] [--threads N] "
       "[--json]",
       "Check every chain and signed checkpoint; exit 1 if any is broken.\n"
       "      Hashes on --threads threads (default: one per core).",
       {"data", "key", "tenant", "threads", "json"}},
      {"ledger export",
       ledger,
       "--data DIR --tenant T [--from N] [--to N]\n"
       "      [--master_key FILE] [--format evidence|replay|replay-binpb]\n"
       "  portcullis ledger export --gate ADDR --tenant T [--from N] [--to N] "
       "[--decrypt]",
       "Write entries with inclusion proofs and checkpoints as JSON Lines;\n"
       "      --format replay writes the decisions as a recording for "
       "replay.\n"
       "      With --gate, the same evidence from a running gate (the "
       "auditor role).",
       {"data", "tenant", "from", "to", "format", "master_key", "gate", "token",
        "decrypt"}},
      {"ledger verify-export",
       ledger,
       "FILE --key GATE.pub",
       "Check an export without the database; exit 1 if it does not hold.",
       {"key"},
       true},
      {"ledger merge",
       ledger,
       "EXPORT... --key GATE.pub[,GATE2.pub]",
       "Verify several replicas' exports, then merge them into one stream\n"
       "      ordered by time, each line naming its replica and sequence.",
       {"key"},
       true},
      {"ledger prune",
       ledger,
       "--data DIR --retention_days N [--tenant T] [--replica R]",
       "Remove the payloads of entries older than N days (gate stopped).",
       {"data", "retention_days", "tenant", "replica"}},
      {"ledger delete-tenant",
       ledger,
       "--data DIR --tenant T --confirm [--replica R]",
       "Delete a tenant and crypto-shred its payloads (gate stopped).",
       {"data", "tenant", "confirm", "replica"}},
      {"ledger rotate-key",
       ledger,
       "--data DIR --tenant T --master_key FILE [--replica R]",
       "Start a new payload key version for a tenant, recorded (gate\n"
       "      stopped).",
       {"data", "tenant", "master_key", "replica"}},
      {"ledger recover",
       ledger,
       "--data DIR [--key GATE.key] [--replica R]",
       "Salvage a damaged ledger (gate stopped).",
       {"data", "key", "replica"}},
      {"activity tail", activity,
       "[--tenant T] [--from SEQ] [--format json|syslog]\n"
       "      [--limit N] [--syslog_address HOST:PORT]",
       "Follow the ledger's events as JSON Lines or RFC 5424 syslog;\n"
       "      --syslog_address sends them to a loopback collector over TCP.",
       AtGate({"tenant", "from", "format", "limit", "syslog_address"})},
      {"maintenance rotate-key", maintenance, "--tenant T [--json]",
       "Start a new payload key version for a tenant; recorded.",
       AtGate({"tenant", "json"})},
      {"maintenance delete-tenant", maintenance,
       "--tenant T --confirm [--json]",
       "Delete a halted tenant's ledger and crypto-shred its payloads; "
       "recorded.",
       AtGate({"tenant", "confirm", "json"})},
  };
}

}  // namespace

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec>* table =
      new std::vector<CommandSpec>(Table());
  return *table;
}

const CommandSpec* FindCommand(const std::vector<std::string>& words) {
  const CommandSpec* best = nullptr;
  size_t best_length = 0;
  for (const CommandSpec& command : Commands()) {
    std::vector<std::string> name = absl::StrSplit(command.name, ' ');
    if (name.size() > words.size()) continue;
    if (!std::equal(name.begin(), name.end(), words.begin())) continue;
    if (name.size() < words.size() && !command.positional) continue;
    if (name.size() > best_length) {
      best = &command;
      best_length = name.size();
    }
  }
  return best;
}

std::string CommandUsage(const CommandSpec& command) {
  std::string usage = absl::StrCat("usage: portcullis ", command.name, " ",
                                   command.synopsis, "\n");
  if (!command.summary.empty()) {
    absl::StrAppend(&usage, "  ", command.summary, "\n");
  }
  std::vector<std::string> flags;
  for (const std::string& flag : command.flags) {
    flags.push_back(absl::StrCat("--", flag));
  }
  absl::StrAppend(&usage,
                  "flags: ", flags.empty() ? "none" : absl::StrJoin(flags, " "),
                  "\n");
  return usage;
}

std::string CommandList(const std::string& prefix) {
  std::string list;
  std::string group;
  for (const CommandSpec& command : Commands()) {
    if (!prefix.empty() && command.name != prefix &&
        !absl::StartsWith(command.name, absl::StrCat(prefix, " "))) {
      continue;
    }
    if (command.group != group) {
      group = command.group;
      absl::StrAppend(&list, group, ":\n");
    }
    absl::StrAppend(&list, "  portcullis ", command.name, " ", command.synopsis,
                    "\n");
    if (!command.summary.empty()) {
      absl::StrAppend(&list, "      ", command.summary, "\n");
    }
  }
  return list;
}

}  // namespace portcullis::cli
