// Binary recordings (*.binpb): length-delimited RecordedAction messages,
// replayed exactly as their JSON Lines twins, and malformed records
// refused with the file and the record's number.
#include <google/protobuf/util/delimited_message_util.h>
#include <google/protobuf/util/json_util.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "absl/strings/str_replace.h"
#include "cli/recording_reader.h"
#include "cli/replay_command.h"
#include "portcullis/replay/v1/recording.pb.h"
#include "tests/cli/replay_fixture.h"

namespace portcullis::cli {
namespace {

replay::v1::RecordedAction FromJson(const std::string& line) {
  replay::v1::RecordedAction proto;
  REQUIRE(google::protobuf::util::JsonStringToMessage(line, &proto).ok());
  return proto;
}

// The morning's recording in binary, then `tail` appended verbatim.
void WriteBinary(const ReplayDir& d, const std::string& name,
                 const std::string& tail = "") {
  std::ofstream out(d.Path(name), std::ios::binary);
  for (const std::string& line : MorningLines()) {
    REQUIRE(google::protobuf::util::SerializeDelimitedToOstream(FromJson(line),
                                                                &out));
  }
  out << tail;
}

int Replay(const ReplayDir& d, const std::string& input, Captured& c,
           const std::string& format = "") {
  ReplayArgs args;
  args.policy = d.Path("candidate.policy");
  args.input = d.Path(input);
  args.input_format = format;
  return RunReplay(args, c.io);
}

TEST_CASE("a binary recording replays as its JSON Lines twin",
          "[cli][replay][binary]") {
  ReplayDir d;
  WriteBinary(d, "recording.binpb");
  Captured json, binary;
  CHECK(Replay(d, "recording.jsonl", json) == kExitFailed);
  CHECK(Replay(d, "recording.binpb", binary) == kExitFailed);
  CHECK(absl::StrReplaceAll(binary.out.str(), {{d.Path("recording.binpb"),
                                                d.Path("recording.jsonl")}}) ==
        json.out.str());
  CHECK(binary.out.str().find("recording.binpb:5 ") != std::string::npos);

  // The format can be named when the file name does not say.
  WriteBinary(d, "recording.bin");
  Captured named;
  CHECK(Replay(d, "recording.bin", named, "binpb") == kExitFailed);
  CHECK(named.out.str().find("1 ALLOW → DENY") != std::string::npos);
}

TEST_CASE("malformed binary records exit 2 naming the file and record",
          "[cli][replay][binary]") {
  ReplayDir d;
  std::string tail, says;
  SECTION("a truncated length") {
    tail = "\x80";
    says = ":7: a truncated record length";
  }
  SECTION("a record cut short") {
    tail = std::string("\x05\x0a\x02", 3);
    says = ":7: the record is not a portcullis.replay.v1.RecordedAction";
  }
  SECTION("not a recorded action") {
    tail = std::string("\x01\x0f", 2);  // field 1, wire type 7
    says = ":7: the record is not a portcullis.replay.v1.RecordedAction";
  }
  SECTION("a field the format does not have") {
    tail = std::string("\x03\xf8\x06\x01", 4);  // field 111 = 1
    says = ":7: the record has fields";
  }
  SECTION("a record too long") {
    tail = std::string("\x81\x80\x40", 3);  // 1 MiB + 1
    says = ":7: the record is longer than";
  }
  SECTION("no decision") {
    replay::v1::RecordedAction proto = FromJson(MorningLines()[0]);
    proto.clear_decision();
    tail = proto.SerializeAsString();
    tail.insert(tail.begin(), static_cast<char>(tail.size()));
    says = ":7: \"decision\" is required";
  }
  WriteBinary(d, "recording.binpb", tail);
  Captured c;
  CHECK(Replay(d, "recording.binpb", c) == kExitUsage);
  INFO(c.err.str());
  CHECK(c.err.str().find(d.Path("recording.binpb") + says) !=
        std::string::npos);
  CHECK(c.out.str().empty());
}

TEST_CASE("an unknown recording format is a usage error",
          "[cli][replay][binary]") {
  ReplayDir d;
  Captured c;
  CHECK(Replay(d, "recording.jsonl", c, "xml") == kExitUsage);
  CHECK(c.err.str().find("unknown recording format \"xml\"") !=
        std::string::npos);
  CHECK(c.out.str().empty());
  CHECK(RecordingFormatFor("a.binpb", "").value() == RecordingFormat::kBinary);
  CHECK(RecordingFormatFor("-", "").value() == RecordingFormat::kJsonLines);
  CHECK(RecordingFormatFor("a.binpb", "jsonl").value() ==
        RecordingFormat::kJsonLines);
}

}  // namespace
}  // namespace portcullis::cli
