#include "server/call_guard.h"

namespace portcullis::server {

absl::StatusOr<Principal> CallGuard::Admit(
    const grpc::ServerContextBase& context, Method method,
    absl::string_view tenant) const {
  absl::StatusOr<Principal> principal = authenticator_.Authenticate(context);
  if (!principal.ok()) return principal.status();
  if (absl::Status s = Authorize(*principal, method, tenant); !s.ok()) {
    gate_.RecordAccessDenied(tenant, principal->name, MethodName(method), s);
    return s;
  }
  return principal;
}

}  // namespace portcullis::server
