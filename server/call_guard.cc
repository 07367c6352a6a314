#include "server/call_guard.h"

#include "absl/synchronization/notification.h"

namespace portcullis::server {

absl::StatusOr<Principal> CallGuard::Admit(
    const grpc::ServerContextBase& context, Method method,
    absl::string_view tenant) const {
  absl::StatusOr<Principal> admitted;
  absl::Notification answered;
  AdmitAsync(context, method, tenant, [&](absl::StatusOr<Principal> p) {
    admitted = std::move(p);
    answered.Notify();
  });
  answered.WaitForNotification();
  return admitted;
}

void CallGuard::AdmitAsync(
    const grpc::ServerContextBase& context, Method method,
    absl::string_view tenant,
    absl::AnyInvocable<void(absl::StatusOr<Principal>) &&> done) const {
  absl::StatusOr<Principal> principal = authenticator_.Authenticate(context);
  if (!principal.ok()) {
    std::move(done)(principal.status());
    return;
  }
  absl::Status s = Authorize(*principal, method, tenant);
  if (s.ok()) {
    std::move(done)(std::move(principal));
    return;
  }
  gate_.RecordAccessDeniedAsync(
      tenant, principal->name, MethodName(method), s,
      [s, done = std::move(done)]() mutable { std::move(done)(s); });
}

}  // namespace portcullis::server
