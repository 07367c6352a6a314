// Commands for people at a running gate: listing and deciding pending
// approvals, and the kill switch. Each connects with GateClient.
#ifndef PORTCULLIS_CLI_APPROVAL_COMMANDS_H_
#define PORTCULLIS_CLI_APPROVAL_COMMANDS_H_

#include <string>

#include "absl/time/time.h"
#include "base/clock.h"
#include "cli/command.h"

namespace portcullis::cli {

struct ApprovalsListArgs {
  std::string gate;
  std::string token;
  std::string tenant;
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
};

// Fetches the pending request, shows the action being decided, signs a
// verdict bound to its digest with the approver's key and submits it.
// Exit 0 when recorded, 1 when the gate refuses it, 2 for usage errors.
int RunVerdict(const VerdictArgs& args, const Clock& clock, CommandIo& io);

struct HaltArgs {
  std::string gate;
  std::string token;
  std::string tenant;  // the whole gate when empty
  std::string reason;
  bool halt = true;
};

// Halts or resumes a tenant or the whole gate. Exit 0, 1 when refused,
// 2 for usage errors.
int RunHalt(const HaltArgs& args, CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_APPROVAL_COMMANDS_H_
