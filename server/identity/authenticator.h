// Authenticator says who is calling from what the transport carries: a
// bearer token in the "authorization" metadata, or else the uid of a Unix
// socket peer. Never from the request body. The principal table can be
// swapped at run time (token rotation, revocation). Thread-safe.
#ifndef PORTCULLIS_SERVER_IDENTITY_AUTHENTICATOR_H_
#define PORTCULLIS_SERVER_IDENTITY_AUTHENTICATOR_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "server/identity/principal.h"
#include "server/identity/principal_table.h"
#include "server/identity/unix_listener.h"

namespace grpc {
class ServerContextBase;
}  // namespace grpc

namespace portcullis::server {

class Authenticator {
 public:
  // `on_failure`, when set, is called (on the calling thread; it must be
  // quick and thread-safe) each time Authenticate refuses a caller.
  explicit Authenticator(std::shared_ptr<const PrincipalTable> principals,
                         std::function<void()> on_failure = {})
      : principals_(std::move(principals)),
        on_failure_(std::move(on_failure)) {}

  // Takes effect for calls that start afterwards.
  void SetPrincipals(std::shared_ptr<const PrincipalTable> principals) {
    principals_.store(std::move(principals));
  }

  // The listener whose peers can be identified by uid; null for none. Must
  // outlive every call.
  void SetUnixListener(const UnixListener* listener) {
    unix_listener_.store(listener);
  }

  // Returns the caller's principal, or Unauthenticated saying which
  // credentials were missing or not recognised.
  absl::StatusOr<Principal> Authenticate(
      const grpc::ServerContextBase& context) const;

  // The same for an HTTP request (the console's API): `authorization` is
  // the value of its Authorization header, nullopt when it has none. Only
  // a bearer token identifies an HTTP caller.
  absl::StatusOr<Principal> AuthenticateHeader(
      std::optional<absl::string_view> authorization) const;

 private:
  absl::StatusOr<Principal> Identify(
      const grpc::ServerContextBase& context) const;
  absl::StatusOr<Principal> ByBearer(absl::string_view authorization) const;

  std::atomic<std::shared_ptr<const PrincipalTable>> principals_;
  const std::function<void()> on_failure_;
  std::atomic<const UnixListener*> unix_listener_{nullptr};
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_IDENTITY_AUTHENTICATOR_H_
