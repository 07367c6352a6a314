// CallGuard admits a call: it reads the caller's credentials from the call
// (the "authorization" metadata, the Unix socket peer's uid), asks the
// Authenticator who is calling and
// checks that this principal may call the method for the tenant named in
// the request. A refusal of an identified caller is recorded
// ("access.denied") on the caller's own chain: the requested tenant's when
// the caller may act for it, else the first of the caller's own tenants the
// policy knows — never a tenant the caller has no right to. Every RPC
// handler starts here. Thread-safe.
#ifndef PORTCULLIS_SERVER_CALL_GUARD_H_
#define PORTCULLIS_SERVER_CALL_GUARD_H_

#include <atomic>
#include <optional>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "gate/gate.h"
#include "identity/access.h"
#include "identity/authenticator.h"
#include "server/open_call_quota.h"

namespace grpc {
class ServerContextBase;
}  // namespace grpc

namespace portcullis::server {

class UnixListener;

class CallGuard {
 public:
  // Both must outlive the guard.
  CallGuard(const identity::Authenticator& authenticator, gate::Gate& gate)
      : authenticator_(authenticator), gate_(gate) {}

  // The listener whose peers can be identified by uid; null for none. Must
  // outlive every call.
  void SetUnixListener(const UnixListener* listener) {
    unix_listener_.store(listener);
  }

  // The caller's principal, or Unauthenticated / PermissionDenied.
  // `agent` is the agent id an action names (Evaluate, Execute), which the
  // principal must be allowed to speak as; empty for calls naming none.
  absl::StatusOr<identity::Principal> Admit(
      const grpc::ServerContextBase& context, identity::Method method,
      absl::string_view tenant, absl::string_view agent = {}) const;

  // Admit for a callback-API handler, which must not block: `done` gets
  // what Admit would return, on this thread when no refusal is recorded,
  // else once it is (see gate::Gate::RecordAccessDeniedAsync).
  void AdmitAsync(
      const grpc::ServerContextBase& context, identity::Method method,
      absl::string_view tenant, absl::string_view agent,
      absl::AnyInvocable<void(absl::StatusOr<identity::Principal>) &&> done)
      const;

  // Refuses an admitted `caller` for a reason found after admission (a
  // quota, say): records it like Admit's refusals ("access.denied", on the
  // caller's own chain), then calls `done` with `error`.
  void RefuseAsync(const identity::Principal& caller, identity::Method method,
                   absl::string_view tenant, const absl::Status& error,
                   absl::AnyInvocable<void(absl::Status) &&> done) const;

  // An admitted caller and its place among its open calls.
  struct Admitted {
    identity::Principal caller;
    OpenCallQuota::Slot slot;
  };
  // AdmitAsync, then a place of `kind` in `quota` for the caller; one over
  // its cap is refused with RefuseAsync. `done` gets the caller and its
  // place, or the refusal. `quota` must outlive the call.
  void AdmitWithPlaceAsync(
      const grpc::ServerContextBase& context, identity::Method method,
      absl::string_view tenant, OpenCallQuota& quota, OpenCallQuota::Kind kind,
      absl::AnyInvocable<void(absl::StatusOr<Admitted>) &&> done) const;

  // Admit for an HTTP request (the console's API, docs/console.md):
  // `authorization` is its Authorization header (nullopt without one).
  // Same checks and the same refusal records as Admit, except that the
  // refusal of a call naming no tenant is recorded on the caller's own
  // tenants (the first the policy knows) rather than nowhere.
  absl::StatusOr<identity::Principal> AdmitHttp(
      std::optional<absl::string_view> authorization, identity::Method method,
      absl::string_view tenant) const;

  // Who an HTTP caller is, whatever their roles (the console's /me):
  // Unauthenticated without a known bearer token.
  absl::StatusOr<identity::Principal> IdentifyHttp(
      std::optional<absl::string_view> authorization) const {
    return authenticator_.AuthenticateHeader(authorization);
  }

 private:
  // What `context` carries about its caller: views into its metadata,
  // valid while the call lasts.
  identity::CallerCredentials CredentialsOf(
      const grpc::ServerContextBase& context) const;

  const identity::Authenticator& authenticator_;
  gate::Gate& gate_;
  std::atomic<const UnixListener*> unix_listener_{nullptr};
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_CALL_GUARD_H_
