// libFuzzer target: request decoding and validation, as Evaluate and
// Execute do it. Arbitrary bytes are parsed as an EvaluateRequest (binary,
// or JSON when they start with '{'); the action goes through the codec
// (ActionFromProto, and ActionHeaderFromProto for the rejection path), the
// gate's shape check (ValidateAction) and the action digest. Invariants: a
// rejection has a message; an accepted action survives ActionToProto and
// ActionFromProto with the same digest and still validates.
#include <cstddef>
#include <cstdint>

#include "codec/action_codec.h"
#include "gate/action_digest.h"
#include "gate/action_validation.h"
#include "portcullis/v1/gate.pb.h"
#include "tests/fuzz/fuzz_support.h"

namespace v1 = portcullis::v1;
using portcullis::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  v1::EvaluateRequest request;
  if (!portcullis::fuzz::ParseRequest(
          {reinterpret_cast<const char*>(data), size}, &request)) {
    return 0;
  }
  // A request the codec rejects is still recorded under its header.
  portcullis::policy::Action header =
      portcullis::codec::ActionHeaderFromProto(request.action());
  (void)header;

  auto action = portcullis::codec::ActionFromProto(request.action());
  if (!action.ok()) {
    Check(!action.status().message().empty());
    return 0;
  }
  const portcullis::gate::ActionLimits limits;
  absl::Status valid = portcullis::gate::ValidateAction(*action, limits);
  if (!valid.ok()) {
    Check(!valid.message().empty());
    return 0;
  }
  portcullis::crypto::Digest digest = portcullis::gate::ActionDigest(*action);

  v1::Action again;
  portcullis::codec::ActionToProto(*action, &again);
  auto back = portcullis::codec::ActionFromProto(again);
  Check(back.ok());
  Check(portcullis::gate::ValidateAction(*back, limits).ok());
  Check(portcullis::gate::ActionDigest(*back) == digest);
  return 0;
}
