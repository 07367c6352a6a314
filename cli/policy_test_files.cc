#include "cli/policy_test_files.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/text_file.h"
#include "cli/yaml_list_document.h"
#include "codec/policy_test_codec.h"
#include "codec/time_codec.h"
#include "portcullis/replay/v1/policy_test.pb.h"

namespace portcullis::cli {
namespace {

namespace fs = std::filesystem;

bool IsTestFile(const fs::path& path) {
  const std::string name = path.filename().string();
  return absl::EndsWith(name, "_test.yaml") ||
         absl::EndsWith(name, "_test.yml") ||
         absl::EndsWith(name, "_test.json");
}

bool Hidden(const fs::path& path) {
  return absl::StartsWith(path.filename().string(), ".");
}

absl::Status At(const std::string& path, int line, const absl::Status& error) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ":", line, ": ", error.message()));
}

}  // namespace

absl::StatusOr<PolicyTestFile> ReadPolicyTestFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<YamlListDocument> doc = SplitYamlList(*text, "cases");
  if (!doc.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", doc.status().message()));
  }
  replay::v1::PolicyTestFile header;
  if (absl::Status s = JsonToMessage(doc->header_json, &header); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
  }
  std::optional<absl::Time> default_at;
  if (header.has_at()) default_at = codec::TimeFromProto(header.at());
  PolicyTestFile file{path, {}};
  std::set<std::string> names;
  for (const YamlListDocument::Item& item : doc->items) {
    replay::v1::PolicyTestCase proto;
    if (absl::Status s = JsonToMessage(item.json, &proto); !s.ok()) {
      return At(path, item.line, s);
    }
    auto test = codec::PolicyTestCaseFromProto(proto, default_at);
    if (!test.ok()) return At(path, item.line, test.status());
    if (!names.insert(test->name).second) {
      return At(path, item.line,
                absl::InvalidArgumentError(absl::StrCat(
                    "another case is named \"", test->name, "\"")));
    }
    test->location = absl::StrCat(path, ":", item.line);
    file.cases.push_back(*std::move(test));
  }
  return file;
}

absl::StatusOr<std::vector<PolicyTestFile>> ReadPolicyTestFiles(
    const std::string& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    return absl::NotFoundError(absl::StrCat(dir, " is not a directory"));
  }
  std::vector<std::string> paths;
  fs::recursive_directory_iterator it(dir, error), end;
  for (; !error && it != end; it.increment(error)) {
    if (Hidden(it->path())) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && IsTestFile(it->path())) {
      paths.push_back(it->path().string());
    }
  }
  if (error) {
    return absl::NotFoundError(
        absl::StrCat("cannot read ", dir, ": ", error.message()));
  }
  if (paths.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        dir, " holds no test files (*_test.yaml, *_test.yml, *_test.json)"));
  }
  std::sort(paths.begin(), paths.end());
  std::vector<PolicyTestFile> files;
  for (const std::string& path : paths) {
    absl::StatusOr<PolicyTestFile> file = ReadPolicyTestFile(path);
    if (!file.ok()) return file.status();
    files.push_back(*std::move(file));
  }
  return files;
}

}  // namespace portcullis::cli
