// Authenticator says who is calling from what the transport carries: a
// bearer token in the "authorization" metadata, or else the uid of a Unix
// socket peer. Never from the request body. It is transport-free: the gRPC
// edge (server/call_guard.h) reads the metadata and the socket's peer and
// hands them in as CallerCredentials. The principal table can be swapped
// at run time (token rotation, revocation). Thread-safe.
#ifndef PORTCULLIS_IDENTITY_AUTHENTICATOR_H_
#define PORTCULLIS_IDENTITY_AUTHENTICATOR_H_

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "identity/principal.h"
#include "identity/principal_table.h"

namespace portcullis::identity {

// What a call's transport says about its caller. The views must outlive
// the Authenticate call they are passed to.
struct CallerCredentials {
  // The value of the call's "authorization" metadata; nullopt without one.
  std::optional<absl::string_view> authorization;
  // The uid of the Unix socket peer the call came from (read from the
  // socket, SO_PEERCRED); nullopt for any other transport.
  std::optional<uid_t> unix_uid;
};

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

  // Returns the caller's principal, or Unauthenticated saying which
  // credentials were missing or not recognised. A bearer token, when there
  // is one, decides; else the Unix socket peer's uid.
  absl::StatusOr<Principal> Authenticate(
      const CallerCredentials& credentials) const;

  // The same for an HTTP request (the console's API): `authorization` is
  // the value of its Authorization header, nullopt when it has none. Only
  // a bearer token identifies an HTTP caller.
  absl::StatusOr<Principal> AuthenticateHeader(
      std::optional<absl::string_view> authorization) const;

 private:
  absl::StatusOr<Principal> Identify(
      const CallerCredentials& credentials) const;
  absl::StatusOr<Principal> ByBearer(absl::string_view authorization) const;

  std::atomic<std::shared_ptr<const PrincipalTable>> principals_;
  const std::function<void()> on_failure_;
};

}  // namespace portcullis::identity

#endif  // PORTCULLIS_IDENTITY_AUTHENTICATOR_H_
