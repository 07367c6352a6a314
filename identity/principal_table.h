// PrincipalTable maps what the transport tells about a caller — a bearer
// token, a Unix socket peer's uid — to the Principal configured for it.
// Built from configuration; immutable, and swapped whole on reload, so it
// is thread-safe for concurrent lookups.
#ifndef PORTCULLIS_IDENTITY_PRINCIPAL_TABLE_H_
#define PORTCULLIS_IDENTITY_PRINCIPAL_TABLE_H_

#include <sys/types.h>

#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "identity/principal.h"
#include "portcullis/config/v1/config.pb.h"

namespace portcullis::identity {

class PrincipalTable {
 public:
  // Returns InvalidArgument (naming the principal) for a malformed or
  // duplicate name, an unknown role, a tenant that is neither "*" nor a
  // tenant id, a malformed token hash, or a token hash or uid given to two
  // principals.
  static absl::StatusOr<std::shared_ptr<const PrincipalTable>> Create(
      absl::Span<const config::v1::PrincipalConfig> principals);

  // The principal holding `token` (hashed here), or null.
  const Principal* ByToken(absl::string_view token) const;

  // The principal a Unix socket peer with `uid` is, or null.
  const Principal* ByUid(uid_t uid) const;

  size_t size() const { return principals_.size(); }

 private:
  std::vector<std::unique_ptr<Principal>> principals_;
  absl::flat_hash_map<std::string, const Principal*> by_token_hash_;
  absl::flat_hash_map<uid_t, const Principal*> by_uid_;
};

}  // namespace portcullis::identity

#endif  // PORTCULLIS_IDENTITY_PRINCIPAL_TABLE_H_
