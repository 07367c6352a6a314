// Translation between gate::Decision and the public API's Decision.
// Pure functions; thread-safe.
#ifndef PORTCULLIS_CODEC_DECISION_CODEC_H_
#define PORTCULLIS_CODEC_DECISION_CODEC_H_

#include "absl/status/statusor.h"
#include "gate/decision.h"
#include "gate/decision_state.h"
#include "portcullis/v1/decision.pb.h"
#include "portcullis/v1/gate.pb.h"

namespace portcullis::codec {

void DecisionToProto(const gate::Decision& decision, v1::Decision* proto);

// The inverse, for decoding ledger records. The verdict's charges are not
// part of the API Decision and are left empty. Returns DataLoss for an
// unspecified outcome or a digest that is not 32 bytes.
absl::StatusOr<gate::Decision> DecisionFromProto(const v1::Decision& proto);

// A pending request as approval UIs see it: the decision as it stands, the
// action, the verdicts so far.
void PendingToProto(const gate::DecisionState& state,
                    v1::PendingApproval* proto);

}  // namespace portcullis::codec

#endif  // PORTCULLIS_CODEC_DECISION_CODEC_H_
