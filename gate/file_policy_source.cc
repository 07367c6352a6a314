#include "gate/file_policy_source.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace portcullis::gate {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> ReadFile(const fs::path& path) {
  std::error_code ec;
  uintmax_t size = fs::file_size(path, ec);
  if (ec) {
    return absl::NotFoundError(absl::StrCat("cannot read policy file ",
                                            path.string(), ": ", ec.message()));
  }
  if (size > FilePolicySource::kMaxFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy file ", path.string(), " is ", size,
                     " bytes; the limit is ", FilePolicySource::kMaxFileBytes));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in) {
    return absl::UnavailableError(
        absl::StrCat("cannot read policy file ", path.string()));
  }
  return content.str();
}

}  // namespace

absl::StatusOr<PolicyText> FilePolicySource::Read() const {
  std::error_code ec;
  fs::path path(path_);
  fs::file_status status = fs::status(path, ec);  // follows symlinks
  if (ec || !fs::exists(status)) {
    return absl::NotFoundError(
        absl::StrCat("policy path ", path_, " does not exist"));
  }
  std::vector<fs::path> files;
  if (fs::is_directory(status)) {
    for (const fs::directory_entry& entry : fs::directory_iterator(path, ec)) {
      // Skip hidden entries: ConfigMap mounts keep "..data" and timestamped
      // directories beside the visible symlinks.
      std::string name = entry.path().filename().string();
      if (name.empty() || name[0] == '.') continue;
      if (entry.path().extension() == ".policy" && entry.is_regular_file(ec)) {
        files.push_back(entry.path());
      }
    }
    if (ec) {
      return absl::UnavailableError(absl::StrCat(
          "cannot list policy directory ", path_, ": ", ec.message()));
    }
    if (files.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy directory ", path_, " has no *.policy files"));
    }
  } else {
    files.push_back(path);
  }
  std::sort(files.begin(), files.end());

  PolicyText text;
  text.description = path_;
  for (const fs::path& file : files) {
    absl::StatusOr<std::string> content = ReadFile(file);
    if (!content.ok()) return content.status();
    text.files.push_back({file.string(), *std::move(content)});
  }
  return text;
}

}  // namespace portcullis::gate
