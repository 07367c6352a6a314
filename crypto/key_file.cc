#include "crypto/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/hash.h"
#include "crypto/secure_bytes.h"

namespace portcullis::crypto {
namespace {

constexpr size_t kMaxKeyFileBytes = 256;

// Reads a small file into secure memory (it may hold a secret). `what`
// names it in errors ("key file").
absl::StatusOr<SecureBytes> ReadSmallFile(const std::string& path,
                                          struct stat* st,
                                          absl::string_view what = "key file") {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat("cannot read ", what, " ", path,
                                            ": ", std::strerror(errno)));
  }
  if (::fstat(fd, st) != 0 ||
      st->st_size > static_cast<off_t>(kMaxKeyFileBytes)) {
    ::close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", path, " is not a ", what, " (more than ",
                     kMaxKeyFileBytes, " bytes)"));
  }
  SecureBytes buffer(kMaxKeyFileBytes);
  ssize_t n = ::read(fd, buffer.data(), buffer.size());
  ::close(fd);
  if (n < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot read ", what, " ", path));
  }
  SecureBytes content(static_cast<size_t>(n));
  std::memcpy(content.data(), buffer.data(), static_cast<size_t>(n));
  return content;
}

absl::Status WriteNewFile(const std::string& path, absl::string_view content,
                          mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(
          absl::StrCat(path, " exists; refusing to overwrite a key"));
    }
    return absl::UnavailableError(
        absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  // O_CREAT's mode is filtered by the umask; set it exactly.
  bool ok = ::fchmod(fd, mode) == 0 &&
            ::write(fd, content.data(), content.size()) ==
                static_cast<ssize_t>(content.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

// Decodes base64 text (surrounding whitespace ignored) of exactly `size`
// bytes.
absl::StatusOr<std::string> DecodeKey(absl::string_view text, size_t size,
                                      absl::string_view what) {
  std::string decoded;
  if (!absl::Base64Unescape(absl::StripAsciiWhitespace(text), &decoded) ||
      decoded.size() != size) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be ", size,
                     " bytes in base64 (as `portcullis keys "
                     "generate` writes)"));
  }
  return decoded;
}

}  // namespace

absl::StatusOr<SigningKey> ReadSigningKeyFile(const std::string& path) {
  struct stat st;
  absl::StatusOr<SecureBytes> content = ReadSmallFile(path, &st);
  if (!content.ok()) return content.status();
  if ((st.st_mode & 0077) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("signing key file ", path, " is readable by others (mode ",
                     absl::Hex(st.st_mode & 0777), "); chmod 600 it"));
  }
  std::string seed;
  absl::StatusOr<std::string> decoded =
      DecodeKey(content->view(), kEd25519SeedSize,
                absl::StrCat("signing key file ", path));
  if (!decoded.ok()) return decoded.status();
  SecureBytes secure_seed = SecureBytes::CopyOf(*decoded);
  std::fill(decoded->begin(), decoded->end(), '\0');
  return SigningKey::FromSeed(secure_seed.view());
}

absl::StatusOr<SecureBytes> ReadPasswordFile(const std::string& path) {
  struct stat st;
  absl::StatusOr<SecureBytes> content =
      ReadSmallFile(path, &st, "password file");
  if (!content.ok()) return content.status();
  if ((st.st_mode & 0077) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("password file ", path, " is readable by others (mode ",
                     absl::Hex(st.st_mode & 0777), "); chmod 600 it"));
  }
  absl::string_view text = content->view();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  if (text.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("password file ", path, " is empty"));
  }
  return SecureBytes::CopyOf(text);
}

absl::Status WriteSigningKeyFile(const std::string& path,
                                 const SigningKey& key) {
  std::string text = absl::Base64Escape(key.seed()) + "\n";
  absl::Status s = WriteNewFile(path, text, 0600);
  std::fill(text.begin(), text.end(), '\0');
  return s;
}

absl::StatusOr<VerifyingKey> ReadVerifyingKeyFile(const std::string& path) {
  struct stat st;
  absl::StatusOr<SecureBytes> content = ReadSmallFile(path, &st);
  if (!content.ok()) return content.status();
  absl::StatusOr<std::string> decoded =
      DecodeKey(content->view(), kEd25519PublicKeySize,
                absl::StrCat("public key file ", path));
  if (!decoded.ok()) return decoded.status();
  return VerifyingKey::FromBytes(*decoded);
}

absl::Status WriteVerifyingKeyFile(const std::string& path,
                                   const VerifyingKey& key) {
  return WriteNewFile(path, FormatVerifyingKey(key) + "\n", 0644);
}

absl::StatusOr<VerifyingKey> ParseVerifyingKey(absl::string_view base64) {
  absl::StatusOr<std::string> decoded =
      DecodeKey(base64, kEd25519PublicKeySize, "a public key");
  if (!decoded.ok()) return decoded.status();
  return VerifyingKey::FromBytes(*decoded);
}

std::string FormatVerifyingKey(const VerifyingKey& key) {
  return absl::Base64Escape(key.bytes());
}

std::string KeyId(const VerifyingKey& key) {
  Digest d = Blake2b256(key.bytes());
  return absl::BytesToHexString(AsBytes(d).substr(0, 8));
}

}  // namespace portcullis::crypto
