#include "codec/policy_test_codec.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "codec/action_codec.h"
#include "codec/replay_codec.h"
#include "codec/time_codec.h"

namespace portcullis::codec {
namespace {

absl::Status Invalid(absl::string_view message) {
  return absl::InvalidArgumentError(message);
}

absl::Status PriorFromProto(const replay::v1::PriorAction& proto, int index,
                            const gate::replay::PolicyTestCase& test,
                            gate::replay::PriorAction& out) {
  std::string field = absl::StrCat("given[", index, "]");
  out.at = proto.has_at() ? TimeFromProto(proto.at()) : test.at;
  if (proto.has_action()) {
    absl::StatusOr<policy::Action> action = ActionFromProto(proto.action());
    if (!action.ok()) {
      return Invalid(absl::StrCat(field, ": ", action.status().message()));
    }
    out.action = *std::move(action);
  } else {
    out.action = test.action;
  }
  if (proto.times() > kMaxPriorRepeats) {
    return Invalid(absl::StrCat(field, ".times: at most ", kMaxPriorRepeats));
  }
  out.times = proto.times() == 0 ? 1 : static_cast<int>(proto.times());
  return absl::OkStatus();
}

absl::Status ExpectFromProto(const replay::v1::ExpectedDecision& proto,
                             gate::replay::PolicyTestCase& out) {
  absl::StatusOr<gate::replay::ReplayOutcome> outcome =
      ReplayOutcomeFromProto(proto.outcome());
  if (!outcome.ok()) {
    return Invalid(
        absl::StrCat("expect.outcome: ", outcome.status().message()));
  }
  out.outcome = *outcome;
  if (proto.decided_by_size() > 0) {
    out.decided_by.emplace(proto.decided_by().begin(),
                           proto.decided_by().end());
  }
  out.error_contains = proto.error_contains();
  if (!out.error_contains.empty() &&
      out.outcome != gate::replay::ReplayOutcome::kRejected) {
    return Invalid("expect.errorContains is only for OUTCOME_REJECTED");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<gate::replay::PolicyTestCase> PolicyTestCaseFromProto(
    const replay::v1::PolicyTestCase& proto,
    std::optional<absl::Time> default_at) {
  gate::replay::PolicyTestCase out;
  out.name = proto.name();
  if (out.name.empty()) return Invalid("\"name\" is required");
  if (proto.has_at()) {
    out.at = TimeFromProto(proto.at());
  } else if (default_at) {
    out.at = *default_at;
  } else {
    return Invalid("\"at\" is required, in the case or at the file's top");
  }
  if (!proto.has_action()) return Invalid("\"action\" is required");
  absl::StatusOr<policy::Action> action = ActionFromProto(proto.action());
  if (!action.ok()) return action.status();
  out.action = *std::move(action);
  if (!proto.has_expect()) {
    return Invalid("\"expect\" is required: the outcome the policy must give");
  }
  if (absl::Status s = ExpectFromProto(proto.expect(), out); !s.ok()) return s;
  for (int i = 0; i < proto.given_size(); ++i) {
    gate::replay::PriorAction prior;
    absl::Status s = PriorFromProto(proto.given(i), i, out, prior);
    if (!s.ok()) return s;
    out.given.push_back(std::move(prior));
  }
  return out;
}

}  // namespace portcullis::codec
