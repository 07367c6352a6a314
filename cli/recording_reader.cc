#include "cli/recording_reader.h"

#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/codec/replay_codec.h"

namespace portcullis::cli {

absl::StatusOr<std::unique_ptr<RecordingReader>> RecordingReader::Open(
    const std::string& path) {
  if (path == "-") {
    return std::unique_ptr<RecordingReader>(
        new RecordingReader("<stdin>", nullptr, std::cin));
  }
  auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::istream& in = *file;
  return std::unique_ptr<RecordingReader>(
      new RecordingReader(path, std::move(file), in));
}

absl::Status RecordingReader::AtLine(const absl::Status& error) const {
  return absl::Status(error.code(),
                      absl::StrCat(name_, ":", line_, ": ", error.message()));
}

absl::StatusOr<bool> RecordingReader::Next(gate::replay::RecordedAction& out) {
  while (std::getline(in_, text_)) {
    ++line_;
    if (text_.size() > kMaxLineBytes) {
      return AtLine(absl::InvalidArgumentError(
          absl::StrCat("the line is longer than ", kMaxLineBytes, " bytes")));
    }
    if (absl::StripAsciiWhitespace(text_).empty()) continue;
    absl::StatusOr<gate::replay::RecordedAction> parsed =
        server::ParseRecordingLine(json_, text_);
    if (!parsed.ok()) return AtLine(parsed.status());
    out = *std::move(parsed);
    return true;
  }
  if (in_.bad()) {
    return absl::UnavailableError(
        absl::StrCat(name_, ": cannot read after line ", line_));
  }
  return false;
}

}  // namespace portcullis::cli
