#include "server/identity/authenticator.h"

#include <grpcpp/server_context.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace portcullis::server {

absl::StatusOr<Principal> Authenticator::Authenticate(
    const grpc::ServerContextBase& context) const {
  absl::StatusOr<Principal> principal = Identify(context);
  if (!principal.ok() && on_failure_) on_failure_();
  return principal;
}

absl::StatusOr<Principal> Authenticator::Identify(
    const grpc::ServerContextBase& context) const {
  std::shared_ptr<const PrincipalTable> table = principals_.load();
  const auto& metadata = context.client_metadata();
  auto header = metadata.find("authorization");
  if (header != metadata.end()) {
    absl::string_view value(header->second.data(), header->second.size());
    if (!absl::ConsumePrefix(&value, "Bearer ")) {
      return absl::UnauthenticatedError(
          "the authorization metadata must be \"Bearer <token>\"");
    }
    const Principal* principal = table ? table->ByToken(value) : nullptr;
    if (principal == nullptr) {
      return absl::UnauthenticatedError(
          "the bearer token is not recognised: it is wrong, or was revoked");
    }
    return *principal;
  }
  const UnixListener* listener = unix_listener_.load();
  if (listener != nullptr) {
    if (std::optional<UnixPeer> peer = listener->Lookup(context.peer())) {
      const Principal* principal = table ? table->ByUid(peer->uid) : nullptr;
      if (principal == nullptr) {
        return absl::UnauthenticatedError(absl::StrCat(
            "Unix socket peer uid ", peer->uid,
            " is not a configured principal; add it to a principal's "
            "unixUids or send a bearer token"));
      }
      return *principal;
    }
  }
  return absl::UnauthenticatedError(
      "no credentials: send \"authorization: Bearer <token>\" metadata, or "
      "connect over the Unix socket as a configured uid");
}

}  // namespace portcullis::server
