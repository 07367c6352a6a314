// Translation between the replay schema (proto/portcullis/replay/v1) and the
// domain's replay types (gate/replay/): recording lines, --expect files and
// replay reports. Recording lines are JSON in protobuf's JSON mapping
// (codec/proto_json.h), printed canonically so that equal values
// give equal bytes. Pure functions; thread-safe.
#ifndef PORTCULLIS_CODEC_REPLAY_CODEC_H_
#define PORTCULLIS_CODEC_REPLAY_CODEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "codec/proto_json.h"
#include "gate/policy_snapshot.h"
#include "gate/replay/expectations.h"
#include "gate/replay/recorded_action.h"
#include "gate/replay/replay_report.h"
#include "portcullis/replay/v1/recording.pb.h"
#include "portcullis/replay/v1/report.pb.h"

namespace portcullis::codec {

namespace replay_v1 = ::portcullis::replay::v1;

replay_v1::Outcome ReplayOutcomeToProto(gate::replay::ReplayOutcome outcome);

// Returns InvalidArgument for OUTCOME_UNSPECIFIED or an unknown value.
absl::StatusOr<gate::replay::ReplayOutcome> ReplayOutcomeFromProto(
    replay_v1::Outcome outcome);

// Returns InvalidArgument naming the field that is missing or invalid: no
// time, action or decision, no outcome, no deciding rules for an outcome
// other than REJECTED, an approval time on a decision that was not
// PENDING_APPROVAL, or an action that cannot be represented (see
// ActionFromProto).
absl::StatusOr<gate::replay::RecordedAction> RecordedActionFromProto(
    const replay_v1::RecordedAction& proto);

void RecordedActionToProto(const gate::replay::RecordedAction& recorded,
                           replay_v1::RecordedAction* proto);

// Parses one line of a recording. InvalidArgument when it is not a
// RecordedAction in JSON (unknown fields included) or does not convert.
absl::StatusOr<gate::replay::RecordedAction> ParseRecordingLine(
    const ProtoJson& json, absl::string_view line);

// One line of a recording, without the newline.
std::string RecordingLine(const ProtoJson& json,
                          const gate::replay::RecordedAction& recorded);

// Returns InvalidArgument when the expectation sets nothing but a note or
// names an unspecified outcome.
absl::StatusOr<gate::replay::ExpectedChange> ExpectedChangeFromProto(
    const replay_v1::ExpectedChange& proto);

// The report of replaying `input` against `policy`.
void ReplayReportToProto(const gate::replay::ReplayReport& report,
                         absl::string_view input,
                         const gate::PolicySnapshot& policy,
                         replay_v1::ReplayReport* proto);

}  // namespace portcullis::codec

#endif  // PORTCULLIS_CODEC_REPLAY_CODEC_H_
