// Reads a recording (docs/replay.md) of portcullis.replay.v1.RecordedAction:
// JSON Lines, one recorded action per line (blank lines are skipped), or
// the binary form, each action serialized and prefixed with its length as
// a varint (protobuf's delimited format; files named *.binpb), which reads
// about ten times faster. Errors name the file and the line (for binary
// recordings, the record's number). Not thread-safe.
#ifndef PORTCULLIS_CLI_RECORDING_READER_H_
#define PORTCULLIS_CLI_RECORDING_READER_H_

#include <google/protobuf/io/zero_copy_stream_impl.h>

#include <cstdint>
#include <fstream>
#include <istream>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "codec/proto_json.h"
#include "gate/replay/recorded_action.h"
#include "portcullis/replay/v1/recording.pb.h"

namespace portcullis::cli {

enum class RecordingFormat { kJsonLines, kBinary };

// "jsonl" or "binpb"; empty: by the file name (*.binpb is binary,
// anything else and standard input JSON Lines). InvalidArgument otherwise.
absl::StatusOr<RecordingFormat> RecordingFormatFor(const std::string& path,
                                                   const std::string& format);

class RecordingReader {
 public:
  // The longest line (or binary record) read, like the gate's largest
  // request.
  static constexpr size_t kMaxLineBytes = 1 << 20;

  // Opens `path`; "-" reads standard input. NotFound when it cannot be
  // read.
  static absl::StatusOr<std::unique_ptr<RecordingReader>> Open(
      const std::string& path,
      RecordingFormat format = RecordingFormat::kJsonLines);

  // Reads the next recorded action into `out`. Returns false at the end,
  // InvalidArgument ("recording.jsonl:12: ...") for a line that is not a
  // recorded action or is longer than kMaxLineBytes, and Unavailable when
  // the file cannot be read further.
  absl::StatusOr<bool> Next(gate::replay::RecordedAction& out);

  // The line of the action Next read last (1-based).
  uint64_t line() const { return line_; }
  // The file as named for messages ("<stdin>" for "-").
  const std::string& name() const { return name_; }

  // "name:line: message", for errors about the current line.
  absl::Status AtLine(const absl::Status& error) const;

 private:
  RecordingReader(std::string name, std::unique_ptr<std::ifstream> file,
                  std::istream& in, RecordingFormat format);

  absl::StatusOr<bool> NextLine(gate::replay::RecordedAction& out);
  absl::StatusOr<bool> NextRecord(gate::replay::RecordedAction& out);

  std::string name_;
  std::unique_ptr<std::ifstream> file_;  // null for standard input
  std::istream& in_;
  // Binary recordings only.
  std::unique_ptr<google::protobuf::io::IstreamInputStream> binary_;
  std::unique_ptr<replay::v1::RecordedAction> record_;
  codec::ProtoJson json_;
  std::string text_;
  uint64_t line_ = 0;
};

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_RECORDING_READER_H_
