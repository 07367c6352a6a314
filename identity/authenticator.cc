#include "identity/authenticator.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace portcullis::identity {

absl::StatusOr<Principal> Authenticator::Authenticate(
    const CallerCredentials& credentials) const {
  absl::StatusOr<Principal> principal = Identify(credentials);
  if (!principal.ok() && on_failure_) on_failure_();
  return principal;
}

absl::StatusOr<Principal> Authenticator::Identify(
    const CallerCredentials& credentials) const {
  if (credentials.authorization.has_value()) {
    return ByBearer(*credentials.authorization);
  }
  if (credentials.unix_uid.has_value()) {
    std::shared_ptr<const PrincipalTable> table = principals_.load();
    const uid_t uid = *credentials.unix_uid;
    const Principal* principal = table ? table->ByUid(uid) : nullptr;
    if (principal == nullptr) {
      return absl::UnauthenticatedError(absl::StrCat(
          "Unix socket peer uid ", uid,
          " is not a configured principal; add it to a principal's "
          "unixUids or send a bearer token"));
    }
    return *principal;
  }
  return absl::UnauthenticatedError(
      "no credentials: send \"authorization: Bearer <token>\" metadata, or "
      "connect over the Unix socket as a configured uid");
}

absl::StatusOr<Principal> Authenticator::AuthenticateHeader(
    std::optional<absl::string_view> authorization) const {
  absl::StatusOr<Principal> principal =
      authorization.has_value()
          ? ByBearer(*authorization)
          : absl::UnauthenticatedError(
                "no credentials: send \"Authorization: Bearer <token>\"");
  if (!principal.ok() && on_failure_) on_failure_();
  return principal;
}

absl::StatusOr<Principal> Authenticator::ByBearer(
    absl::string_view authorization) const {
  if (!absl::ConsumePrefix(&authorization, "Bearer ")) {
    return absl::UnauthenticatedError(
        "the authorization must be \"Bearer <token>\"");
  }
  std::shared_ptr<const PrincipalTable> table = principals_.load();
  const Principal* principal = table ? table->ByToken(authorization) : nullptr;
  if (principal == nullptr) {
    return absl::UnauthenticatedError(
        "the bearer token is not recognised: it is wrong, or was revoked");
  }
  return *principal;
}

}  // namespace portcullis::identity
