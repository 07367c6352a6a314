// Translation of policy unit test cases (proto/portcullis/replay/v1/
// policy_test.proto) into the domain's PolicyTestCase. Pure functions;
// thread-safe.
#ifndef PORTCULLIS_CODEC_POLICY_TEST_CODEC_H_
#define PORTCULLIS_CODEC_POLICY_TEST_CODEC_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gate/replay/policy_test_case.h"
#include "portcullis/replay/v1/policy_test.pb.h"

namespace portcullis::codec {

// The most times one prior action may be repeated.
inline constexpr uint32_t kMaxPriorRepeats = 100000;

// Converts a case; `default_at` is the file's instant, if it names one.
// Returns InvalidArgument naming the field: no name, no action, no
// expected outcome, no instant, a prior action repeated more than
// kMaxPriorRepeats times, or an action that cannot be represented.
absl::StatusOr<gate::replay::PolicyTestCase> PolicyTestCaseFromProto(
    const replay::v1::PolicyTestCase& proto,
    std::optional<absl::Time> default_at);

}  // namespace portcullis::codec

#endif  // PORTCULLIS_CODEC_POLICY_TEST_CODEC_H_
