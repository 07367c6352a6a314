#include "identity/token.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace portcullis::identity {
namespace {

constexpr absl::string_view kDomain("portcullis/token/v1\0", 20);
constexpr absl::string_view kHashPrefix = "blake2b:";

}  // namespace

std::string NewToken() {
  return absl::StrCat("pcl_",
                      absl::WebSafeBase64Escape(crypto::RandomBytes(32)));
}

std::string TokenHash(absl::string_view token) {
  crypto::Hasher h;
  h.Update(kDomain);
  h.Update(token);
  return absl::StrCat(kHashPrefix, crypto::ToHex(h.Finish()));
}

absl::Status ValidateTokenHash(absl::string_view hash) {
  bool ok = absl::StartsWith(hash, kHashPrefix) &&
            hash.size() == kHashPrefix.size() + 64;
  for (char c : hash.substr(std::min(hash.size(), kHashPrefix.size()))) {
    ok = ok && absl::ascii_isxdigit(c) && !absl::ascii_isupper(c);
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        "a token hash is \"blake2b:\" and 64 lowercase hex characters, as "
        "`portcullis tokens create` prints it");
  }
  return absl::OkStatus();
}

}  // namespace portcullis::identity
