// Commands for people at a running gate: listing and deciding pending
// approvals, the kill switch and reloading. Each connects with GateClient.
#ifndef PORTCULLIS_CLI_APPROVAL_COMMANDS_H_
#define PORTCULLIS_CLI_APPROVAL_COMMANDS_H_

#include <istream>
#include <string>

#include "absl/time/time.h"
#include "base/clock.h"
#include "cli/command.h"

namespace portcullis::cli {

struct ApprovalsListArgs {
  std::string gate;
  std::string token;
  std::string tenant;
  bool json = false;  // one ListPendingResponse with every page
};

// Prints the tenant's pending requests: id, action, requirements,
// deadline, verdicts. Exit 0; 1 when the gate refuses; 2 for usage.
int RunApprovalsList(const ApprovalsListArgs& args, CommandIo& io);

struct VerdictArgs {
  std::string gate;
  std::string token;
  std::string tenant;
  std::string decision_id;
  std::string key_file;  // the approver's signing key
  std::string approver;  // the approver's id as registered
  std::string comment;   // for deny: the reason (required)
  absl::Duration valid_for = absl::Minutes(15);
  bool approve = true;
  bool yes = false;  // sign without asking
  // Optional: a rule to propose for the action's tool with the verdict,
  // and why (required with it); docs/approvals.md.
  std::string propose;
  std::string rationale;
};

// Fetches the pending request, shows the action being decided (tool,
// arguments, tenant, agent, digest), asks "[y/N]" on `in` unless `yes`,
// then signs a verdict bound to its digest with the approver's key and
// submits it. Without `yes`, `in` must be a terminal (`in_is_terminal`):
// a person decides, not a pipe. Exit 0 when recorded, 1 when the gate
// refuses it or the person does not answer yes, 2 for usage errors.
int RunVerdict(const VerdictArgs& args, const Clock& clock, std::istream& in,
               bool in_is_terminal, CommandIo& io);

struct HaltArgs {
  std::string gate;
  std::string token;
  std::string tenant;  // the whole gate when empty
  std::string reason;
  bool halt = true;
  bool json = false;  // {"tenant": T, "halted": bool}
};

// Halts or resumes a tenant or the whole gate. Exit 0, 1 when refused,
// 2 for usage errors.
int RunHalt(const HaltArgs& args, CommandIo& io);

struct ReloadArgs {
  std::string gate;
  std::string token;
  bool json = false;  // the ReloadResponse
};

// Asks the gate to re-read its policy, principals and approvers
// (Admin.Reload, the operator role) and waits for it. Exit 0 when all
// loaded, 1 when the gate refused or something did not load (the previous
// version stays in force), 2 when the gate cannot be reached.
int RunReload(const ReloadArgs& args, CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_APPROVAL_COMMANDS_H_
