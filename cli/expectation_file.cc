#include "cli/expectation_file.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/text_file.h"
#include "cli/yaml_list_document.h"
#include "codec/replay_codec.h"
#include "portcullis/replay/v1/report.pb.h"

namespace portcullis::cli {
namespace {

absl::Status At(const std::string& path, int line, const absl::Status& error) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ":", line, ": ", error.message()));
}

}  // namespace

absl::StatusOr<gate::replay::Expectations> ReadExpectationFile(
    const std::string& path) {
  if (path.empty()) return gate::replay::Expectations();
  absl::StatusOr<std::string> text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<YamlListDocument> doc = SplitYamlList(*text, "changes");
  if (!doc.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", doc.status().message()));
  }
  replay::v1::Expectations header;
  if (absl::Status s = JsonToMessage(doc->header_json, &header); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": ", s.message(), " (the file holds {\"changes\": [...]})"));
  }
  std::vector<gate::replay::ExpectedChange> changes;
  for (const YamlListDocument::Item& item : doc->items) {
    replay::v1::ExpectedChange proto;
    if (absl::Status s = JsonToMessage(item.json, &proto); !s.ok()) {
      return At(path, item.line, s);
    }
    auto change = codec::ExpectedChangeFromProto(proto);
    if (!change.ok()) return At(path, item.line, change.status());
    changes.push_back(*std::move(change));
  }
  return gate::replay::Expectations(std::move(changes));
}

}  // namespace portcullis::cli
