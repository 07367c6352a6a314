#include "cli/replay_command.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "cli/candidate_policy.h"
#include "cli/expectation_file.h"
#include "cli/junit_report.h"
#include "cli/progress.h"
#include "cli/recording_reader.h"
#include "cli/replay_text.h"
#include "cli/text_file.h"
#include "codec/replay_codec.h"
#include "gate/replay/replayer.h"

namespace portcullis::cli {
namespace {

int Fail(CommandIo& io, const absl::Status& error) {
  io.err << "portcullis replay: " << error.message() << "\n";
  return kExitUsage;
}

// Replays every line of `reader` into `report`.
absl::Status ReplayAll(RecordingReader& reader,
                       const policy::CompiledPolicy& policy,
                       gate::replay::ReplayReport& report, CommandIo& io) {
  gate::replay::Replayer replayer(policy);
  Progress progress(io.err, io.err_is_terminal, "replaying");
  gate::replay::RecordedAction recorded;
  while (true) {
    absl::StatusOr<bool> more = reader.Next(recorded);
    if (!more.ok()) return more.status();
    if (!*more) break;
    absl::StatusOr<gate::replay::ReplayedDecision> decided =
        replayer.Replay(recorded);
    if (!decided.ok()) return reader.AtLine(decided.status());
    report.Add(reader.line(), recorded, *std::move(decided));
    progress.Update(report.actions());
  }
  return absl::OkStatus();
}

absl::Status PrintReport(const ReplayArgs& args,
                         const gate::replay::ReplayReport& report,
                         const std::string& input,
                         const gate::PolicySnapshot& policy, CommandIo& io) {
  if (args.json) {
    replay::v1::ReplayReport proto;
    codec::ReplayReportToProto(report, input, policy, &proto);
    absl::StatusOr<std::string> json = codec::ProtoJson().Print(proto);
    if (!json.ok()) return json.status();
    io.out << *json << "\n";
  } else {
    io.out << FormatReplayText(report, input, policy);
  }
  if (args.junit.empty()) return absl::OkStatus();
  return WriteTextFile(args.junit, ReplayJUnitXml(report, input, policy));
}

}  // namespace

int RunReplay(const ReplayArgs& args, CommandIo& io) {
  if (args.policy.empty() || args.input.empty()) {
    return Fail(io, absl::InvalidArgumentError(
                        "--policy FILE|DIR and --input RECORDING.jsonl are "
                        "required"));
  }
  auto policy = CompileCandidate(args.policy);
  if (!policy.ok()) return Fail(io, policy.status());
  auto expectations = ReadExpectationFile(args.expect);
  if (!expectations.ok()) return Fail(io, expectations.status());
  auto format = RecordingFormatFor(args.input, args.input_format);
  if (!format.ok()) return Fail(io, format.status());
  auto reader = RecordingReader::Open(args.input, *format);
  if (!reader.ok()) return Fail(io, reader.status());

  gate::replay::ReplayReport report(*std::move(expectations));
  absl::Status replayed = ReplayAll(**reader, *(*policy)->program, report, io);
  if (!replayed.ok()) return Fail(io, replayed);
  absl::Status printed =
      PrintReport(args, report, (*reader)->name(), **policy, io);
  if (!printed.ok()) return Fail(io, printed);
  return report.unexpected() == 0 ? kExitOk : kExitFailed;
}

}  // namespace portcullis::cli
