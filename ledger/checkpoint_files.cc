#include "ledger/checkpoint_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "ledger/internal/keys.h"

namespace portcullis::ledger {
namespace {

constexpr absl::string_view kSuffix = ".checkpoint";

absl::Status ValidateChain(absl::string_view chain) {
  if (chain == ledger_internal::kLedgerChain) return absl::OkStatus();
  return ValidateTenantId(chain);
}

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

// Writes all of `data` to `fd`.
bool WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

absl::Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("cannot sync", dir);
  return absl::OkStatus();
}

}  // namespace

std::string KeptCheckpointsDir(absl::string_view data_dir) {
  return absl::StrCat(data_dir, "/checkpoints");
}

absl::Status CheckpointFiles::Remove(absl::string_view chain) const {
  if (absl::Status s = ValidateChain(chain); !s.ok()) return s;
  const std::string path = PathOf(chain);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Errno("cannot remove", path);
  }
  return absl::OkStatus();
}

std::string CheckpointFiles::PathOf(absl::string_view chain) const {
  return absl::StrCat(dir_, "/", chain, kSuffix);
}

absl::Status CheckpointFiles::Write(absl::string_view chain,
                                    absl::string_view note) const {
  if (absl::Status s = ValidateChain(chain); !s.ok()) return s;
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    return Errno("cannot create", dir_);
  }
  const std::string path = PathOf(chain);
  const std::string temporary = path + ".tmp";
  int fd =
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("cannot create", temporary);
  bool written = WriteAll(fd, note) && ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!written) {
    errno = saved;
    absl::Status s = Errno("cannot write", temporary);
    ::unlink(temporary.c_str());
    return s;
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    absl::Status s = Errno("cannot replace", path);
    ::unlink(temporary.c_str());
    return s;
  }
  return SyncDirectory(dir_);
}

absl::StatusOr<std::map<std::string, std::string>> CheckpointFiles::ReadAll()
    const {
  std::map<std::string, std::string> notes;
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) return notes;
  std::filesystem::directory_iterator it(dir_, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot read ", dir_, ": ", ec.message()));
  }
  for (const auto& file : it) {
    std::string name = file.path().filename().string();
    if (!absl::EndsWith(name, kSuffix)) continue;
    std::string chain = name.substr(0, name.size() - kSuffix.size());
    if (!ValidateChain(chain).ok()) continue;
    std::ifstream in(file.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) {
      return absl::UnavailableError(
          absl::StrCat("cannot read ", file.path().string()));
    }
    notes.emplace(std::move(chain), text.str());
  }
  return notes;
}

}  // namespace portcullis::ledger
