#include "cli/recording_reader.h"

#include <google/protobuf/io/coded_stream.h>

#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "codec/replay_codec.h"
#include "portcullis/replay/v1/recording.pb.h"

namespace portcullis::cli {

absl::StatusOr<RecordingFormat> RecordingFormatFor(const std::string& path,
                                                   const std::string& format) {
  if (format == "jsonl") return RecordingFormat::kJsonLines;
  if (format == "binpb") return RecordingFormat::kBinary;
  if (!format.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown recording format \"", format, "\"; use jsonl or binpb"));
  }
  return absl::EndsWith(path, ".binpb") ? RecordingFormat::kBinary
                                        : RecordingFormat::kJsonLines;
}

RecordingReader::RecordingReader(std::string name,
                                 std::unique_ptr<std::ifstream> file,
                                 std::istream& in, RecordingFormat format)
    : name_(std::move(name)), file_(std::move(file)), in_(in) {
  if (format == RecordingFormat::kBinary) {
    binary_ = std::make_unique<google::protobuf::io::IstreamInputStream>(&in_);
    record_ = std::make_unique<replay::v1::RecordedAction>();
  }
}

absl::StatusOr<std::unique_ptr<RecordingReader>> RecordingReader::Open(
    const std::string& path, RecordingFormat format) {
  if (path == "-") {
    return std::unique_ptr<RecordingReader>(
        new RecordingReader("<stdin>", nullptr, std::cin, format));
  }
  auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::istream& in = *file;
  return std::unique_ptr<RecordingReader>(
      new RecordingReader(path, std::move(file), in, format));
}

absl::Status RecordingReader::AtLine(const absl::Status& error) const {
  return absl::Status(error.code(),
                      absl::StrCat(name_, ":", line_, ": ", error.message()));
}

absl::StatusOr<bool> RecordingReader::Next(gate::replay::RecordedAction& out) {
  return binary_ != nullptr ? NextRecord(out) : NextLine(out);
}

absl::StatusOr<bool> RecordingReader::NextRecord(
    gate::replay::RecordedAction& out) {
  // One CodedInputStream per record: it hands what it did not consume back
  // to the stream when it goes.
  google::protobuf::io::CodedInputStream coded(binary_.get());
  const int start = coded.CurrentPosition();
  uint32_t size = 0;
  if (!coded.ReadVarint32(&size)) {
    if (in_.bad()) {
      return absl::UnavailableError(
          absl::StrCat(name_, ": cannot read after record ", line_));
    }
    if (coded.CurrentPosition() == start) return false;  // the end
    ++line_;
    return AtLine(absl::InvalidArgumentError("a truncated record length"));
  }
  ++line_;
  if (size > kMaxLineBytes) {
    return AtLine(absl::InvalidArgumentError(
        absl::StrCat("the record is longer than ", kMaxLineBytes, " bytes")));
  }
  // Reused between records: parsing into it keeps its allocations.
  replay::v1::RecordedAction& proto = *record_;
  auto limit = coded.PushLimit(static_cast<int>(size));
  if (!proto.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage() ||
      coded.BytesUntilLimit() != 0) {
    return AtLine(absl::InvalidArgumentError(
        "the record is not a portcullis.replay.v1.RecordedAction"));
  }
  coded.PopLimit(limit);
  if (!proto.GetReflection()->GetUnknownFields(proto).empty()) {
    return AtLine(absl::InvalidArgumentError(
        "the record has fields portcullis.replay.v1.RecordedAction does not "
        "know"));
  }
  absl::StatusOr<gate::replay::RecordedAction> parsed =
      codec::RecordedActionFromProto(proto);
  if (!parsed.ok()) return AtLine(parsed.status());
  out = *std::move(parsed);
  return true;
}

absl::StatusOr<bool> RecordingReader::NextLine(
    gate::replay::RecordedAction& out) {
  while (std::getline(in_, text_)) {
    ++line_;
    if (text_.size() > kMaxLineBytes) {
      return AtLine(absl::InvalidArgumentError(
          absl::StrCat("the line is longer than ", kMaxLineBytes, " bytes")));
    }
    if (absl::StripAsciiWhitespace(text_).empty()) continue;
    absl::StatusOr<gate::replay::RecordedAction> parsed =
        codec::ParseRecordingLine(json_, text_);
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
