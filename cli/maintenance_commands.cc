#include "cli/maintenance_commands.h"

#include "absl/strings/str_cat.h"
#include "cli/gate_client.h"

namespace portcullis::cli {

int RunMaintenanceRotateKey(const MaintenanceArgs& args, CommandIo& io) {
  constexpr absl::string_view kCommand = "maintenance rotate-key";
  if (args.tenant.empty()) {
    return Complain(io, kCommand, "--tenant is required", kExitUsage);
  }
  GateClient client(args.gate.empty() ? kDefaultGateAddress : args.gate,
                    args.token);
  v1::RotatePayloadKeyRequest request;
  request.set_tenant(args.tenant);
  v1::RotatePayloadKeyResponse response;
  absl::Status s = client.Check(client.admin().RotatePayloadKey(
      client.Context().get(), request, &response));
  if (!s.ok()) return GateRefused(io, kCommand, s);
  if (args.json) return PrintJson(io, kCommand, response);
  io.out << "tenant " << args.tenant << ": payload key version "
         << response.key_version()
         << " seals new entries; recorded as ledger.key_rotated\n";
  return kExitOk;
}

int RunMaintenanceDeleteTenant(const MaintenanceArgs& args, CommandIo& io) {
  constexpr absl::string_view kCommand = "maintenance delete-tenant";
  if (args.tenant.empty()) {
    return Complain(io, kCommand, "--tenant is required", kExitUsage);
  }
  if (!args.confirm) {
    return Complain(io, kCommand,
                    absl::StrCat("this deletes the ledger of tenant ",
                                 args.tenant, " for good; add --confirm"),
                    kExitUsage);
  }
  GateClient client(args.gate.empty() ? kDefaultGateAddress : args.gate,
                    args.token);
  v1::DeleteTenantRequest request;
  request.set_tenant(args.tenant);
  request.set_confirm(true);
  v1::DeleteTenantResponse response;
  absl::Status s = client.Check(
      client.admin().DeleteTenant(client.Context().get(), request, &response));
  if (!s.ok()) return GateRefused(io, kCommand, s);
  if (args.json) {
    google::protobuf::Struct result;
    SetString(result, "tenant", args.tenant);
    SetBool(result, "deleted", true);
    return PrintJson(io, kCommand, result);
  }
  io.out << "tenant " << args.tenant
         << " deleted; its payload keys are destroyed; the deletion is "
            "recorded on chain _ledger\n";
  return kExitOk;
}

}  // namespace portcullis::cli
