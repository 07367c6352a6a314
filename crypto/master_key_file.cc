#include "crypto/master_key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crypto/kdf.h"
#include "crypto/random.h"

namespace portcullis::crypto {
namespace {

constexpr size_t kMaxFileBytes = 16 << 10;

// Reads the whole (small) file into secure memory.
absl::StatusOr<SecureBytes> ReadSecretFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat("cannot read master key file ",
                                            path, ": ", std::strerror(errno)));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return absl::UnavailableError(absl::StrCat("cannot stat ", path));
  }
  if ((st.st_mode & 0077) != 0) {
    ::close(fd);
    return absl::PermissionDeniedError(absl::StrCat(
        "master key file ", path, " is accessible by others (mode ",
        absl::Hex(st.st_mode & 0777), "); chmod 600 it"));
  }
  SecureBytes buffer(kMaxFileBytes + 1);
  size_t total = 0;
  while (total < buffer.size()) {
    ssize_t n = ::read(fd, buffer.data() + total, buffer.size() - total);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return absl::UnavailableError(absl::StrCat("cannot read ", path));
    }
    if (n == 0) break;
    total += static_cast<size_t>(n);
  }
  ::close(fd);
  if (total > kMaxFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("master key file ", path, " is too large"));
  }
  SecureBytes content(total);
  if (total > 0) std::memcpy(content.data(), buffer.data(), total);
  return content;
}

absl::StatusOr<SecureBytes> DecodeLine(absl::string_view line,
                                       const std::string& path, int number) {
  std::string decoded;
  if (!absl::Base64Unescape(line, &decoded) ||
      decoded.size() != kMasterKeySize) {
    std::fill(decoded.begin(), decoded.end(), '\0');
    return absl::InvalidArgumentError(
        absl::StrCat("master key file ", path, " line ", number,
                     ": not a base64 32-byte key"));
  }
  SecureBytes key = SecureBytes::CopyOf(decoded);
  std::fill(decoded.begin(), decoded.end(), '\0');
  return key;
}

}  // namespace

absl::StatusOr<std::vector<MasterKey>> ReadMasterKeyFile(
    const std::string& path) {
  absl::StatusOr<SecureBytes> content = ReadSecretFile(path);
  if (!content.ok()) return content.status();
  std::vector<MasterKey> keys;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(content->view(), '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    absl::StatusOr<SecureBytes> key = DecodeLine(line, path, number);
    if (!key.ok()) return key.status();
    std::string id = MasterKeyId(*key);
    for (const MasterKey& k : keys) {
      if (k.id == id) {
        return absl::InvalidArgumentError(absl::StrCat(
            "master key file ", path, " line ", number, ": a repeated key"));
      }
    }
    keys.push_back({std::move(id), *std::move(key)});
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("master key file ", path, " holds no key"));
  }
  return keys;
}

absl::Status CreateMasterKeyFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(
          absl::StrCat(path, " exists; refusing to overwrite a key"));
    }
    return absl::UnavailableError(
        absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  std::string raw = RandomBytes(kMasterKeySize);
  std::string text = absl::Base64Escape(raw) + "\n";
  std::fill(raw.begin(), raw.end(), '\0');
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, text.data(), text.size()) ==
                static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  std::fill(text.begin(), text.end(), '\0');
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

std::string MasterKeyId(const SecureBytes& key) {
  absl::StatusOr<SecureBytes> tag =
      KeyedHash(key.view(), "portcullis/master-key-id/v1");
  if (!tag.ok()) return "";
  return absl::BytesToHexString(tag->view().substr(0, 8));
}

}  // namespace portcullis::crypto
