// Standing approvals at a running gate (issue 21, docs/approvals.md):
// `portcullis approvals grant-standing`, `revoke-standing` and
// `list-standing`. Each connects with GateClient; grants and revocations
// are signed with the approver's key, as `approve` signs.
#ifndef PORTCULLIS_CLI_STANDING_COMMANDS_H_
#define PORTCULLIS_CLI_STANDING_COMMANDS_H_

#include <istream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "cli/command.h"
#include "portcullis/v1/gate.pb.h"

namespace portcullis::cli {

// "amount<=100SAR", "customer_id==c-77", "priority != low": an argument
// name, one of == != < <= > >=, and a value read as `evaluate --arg` reads
// it (75.00SAR is money, 42 an int, "42" a string). InvalidArgument
// otherwise.
absl::StatusOr<v1::StandingConstraint> ParseConstraint(absl::string_view text);

struct GrantStandingArgs {
  std::string gate;
  std::string token;
  std::string tenant;
  std::string id;
  std::string tool;
  std::vector<std::string> constraints;     // --constraint, repeatable
  absl::Duration window = absl::Hours(24);  // from now
  uint32_t max_uses = 0;
  std::string key_file;
  std::string approver;
  std::string comment;
  bool yes = false;
};

// Shows what will be signed, asks "[y/N]" unless `yes` (refusing without a
// terminal), signs and submits it. Exit 0 when granted, 1 when refused
// (a fatigue cap refusal says when the approver may sign again), 2 for
// usage errors.
int RunGrantStanding(const GrantStandingArgs& args, const Clock& clock,
                     std::istream& in, bool in_is_terminal, CommandIo& io);

struct RevokeStandingArgs {
  std::string gate;
  std::string token;
  std::string tenant;
  std::string id;
  std::string key_file;
  std::string approver;
  std::string reason;
};

// Signs and submits a revocation. Exit 0, 1 when refused, 2 for usage.
int RunRevokeStanding(const RevokeStandingArgs& args, CommandIo& io);

struct ListStandingArgs {
  std::string gate;
  std::string token;
  std::string tenant;
  bool json = false;  // the ListStandingResponse
};

// Lists the tenant's standing approvals: id, tool, constraints, window,
// uses, approver, revoked. Exit 0, 1 when refused, 2 for usage.
int RunListStanding(const ListStandingArgs& args, CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_STANDING_COMMANDS_H_
