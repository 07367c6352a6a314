// `portcullis maintenance ...`: the ledger maintenance an operator does
// with the gate running (Admin.RotatePayloadKey, Admin.DeleteTenant), where
// `portcullis ledger rotate-key` and `ledger delete-tenant` need it
// stopped. Retention runs inside the gate on its schedule
// (ledger.retentionDays, ledger.tenantRetentionDays).
#ifndef PORTCULLIS_CLI_MAINTENANCE_COMMANDS_H_
#define PORTCULLIS_CLI_MAINTENANCE_COMMANDS_H_

#include <string>

#include "cli/command.h"

namespace portcullis::cli {

struct MaintenanceArgs {
  std::string gate;
  std::string token;
  std::string tenant;    // required
  bool confirm = false;  // delete-tenant: required
  bool json = false;
};

// Starts a new payload key version for the tenant. Exit 0; 1 when the gate
// refuses; 2 for usage errors or an unreachable gate.
int RunMaintenanceRotateKey(const MaintenanceArgs& args, CommandIo& io);

// Deletes the (halted) tenant's ledger. Exit codes as above; a missing
// --confirm is a usage error.
int RunMaintenanceDeleteTenant(const MaintenanceArgs& args, CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_MAINTENANCE_COMMANDS_H_
