#include "server/call_guard.h"

#include <grpcpp/server_context.h>

#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "server/unix_listener.h"

namespace portcullis::server {
namespace {

// Where a refusal of `principal` for `tenant` is recorded: on that tenant's
// chain when the principal acts for it (it lacked a role, say), else on the
// principal's own tenants, the first that the policy knows. A caller never
// writes to the chain of a tenant it has no right to. A principal of every
// tenant ("*") is refused only for roles, so its refusal goes to `tenant`.
std::vector<std::string> RefusalChains(const identity::Principal& principal,
                                       absl::string_view tenant) {
  if (tenant.empty()) return {};
  if (principal.MayActFor(tenant)) return {std::string(tenant)};
  return principal.tenants;
}

}  // namespace

identity::CallerCredentials CallGuard::CredentialsOf(
    const grpc::ServerContextBase& context) const {
  identity::CallerCredentials credentials;
  const auto& metadata = context.client_metadata();
  auto header = metadata.find("authorization");
  if (header != metadata.end()) {
    credentials.authorization =
        absl::string_view(header->second.data(), header->second.size());
  }
  const UnixListener* listener = unix_listener_.load();
  if (listener != nullptr) {
    if (std::optional<UnixPeer> peer = listener->Lookup(context.peer())) {
      credentials.unix_uid = peer->uid;
    }
  }
  return credentials;
}

absl::StatusOr<identity::Principal> CallGuard::Admit(
    const grpc::ServerContextBase& context, identity::Method method,
    absl::string_view tenant, absl::string_view agent) const {
  absl::StatusOr<identity::Principal> admitted;
  absl::Notification answered;
  AdmitAsync(context, method, tenant, agent,
             [&](absl::StatusOr<identity::Principal> p) {
               admitted = std::move(p);
               answered.Notify();
             });
  answered.WaitForNotification();
  return admitted;
}

void CallGuard::AdmitAsync(
    const grpc::ServerContextBase& context, identity::Method method,
    absl::string_view tenant, absl::string_view agent,
    absl::AnyInvocable<void(absl::StatusOr<identity::Principal>) &&> done)
    const {
  absl::StatusOr<identity::Principal> principal =
      authenticator_.Authenticate(CredentialsOf(context));
  if (!principal.ok()) {
    std::move(done)(principal.status());
    return;
  }
  absl::Status s = identity::Authorize(*principal, method, tenant, agent);
  if (s.ok()) {
    std::move(done)(std::move(principal));
    return;
  }
  gate_.RecordAccessDeniedAsync(
      RefusalChains(*principal, tenant), principal->name,
      identity::MethodName(method), s,
      [s, done = std::move(done)]() mutable { std::move(done)(s); });
}

void CallGuard::RefuseAsync(
    const identity::Principal& caller, identity::Method method,
    absl::string_view tenant, const absl::Status& error,
    absl::AnyInvocable<void(absl::Status) &&> done) const {
  gate_.RecordAccessDeniedAsync(
      RefusalChains(caller, tenant), caller.name, identity::MethodName(method),
      error,
      [error, done = std::move(done)]() mutable { std::move(done)(error); });
}

void CallGuard::AdmitWithPlaceAsync(
    const grpc::ServerContextBase& context, identity::Method method,
    absl::string_view tenant, OpenCallQuota& quota, OpenCallQuota::Kind kind,
    absl::AnyInvocable<void(absl::StatusOr<Admitted>) &&> done) const {
  AdmitAsync(context, method, tenant, {},
             [this, method, tenant = std::string(tenant), &quota, kind,
              done = std::move(done)](
                 absl::StatusOr<identity::Principal> caller) mutable {
               if (!caller.ok()) {
                 std::move(done)(caller.status());
                 return;
               }
               absl::StatusOr<OpenCallQuota::Slot> slot =
                   quota.Acquire(caller->name, kind);
               if (!slot.ok()) {
                 RefuseAsync(*caller, method, tenant, slot.status(),
                             [done = std::move(done)](absl::Status s) mutable {
                               std::move(done)(std::move(s));
                             });
                 return;
               }
               std::move(done)(Admitted{*std::move(caller), *std::move(slot)});
             });
}

absl::StatusOr<identity::Principal> CallGuard::AdmitHttp(
    std::optional<absl::string_view> authorization, identity::Method method,
    absl::string_view tenant) const {
  absl::StatusOr<identity::Principal> principal =
      authenticator_.AuthenticateHeader(authorization);
  if (!principal.ok()) return principal.status();
  absl::Status s = identity::Authorize(*principal, method, tenant);
  if (s.ok()) return principal;
  std::vector<std::string> chains = RefusalChains(*principal, tenant);
  if (chains.empty()) {
    // A call that names no tenant (a scrape, the console's status, ledger
    // health or activity of every tenant): recorded on the caller's own
    // tenants.
    for (const std::string& own : principal->tenants) {
      if (own != "*") chains.push_back(own);
    }
  }
  absl::Notification recorded;
  gate_.RecordAccessDeniedAsync(chains, principal->name,
                                identity::MethodName(method), s,
                                [&recorded] { recorded.Notify(); });
  recorded.WaitForNotification();
  return s;
}

}  // namespace portcullis::server
