#include "server/gate_service.h"

#include "server/codec/action_codec.h"
#include "server/codec/decision_codec.h"
#include "server/status_codec.h"

namespace portcullis::server {

grpc::Status GateService::Evaluate(grpc::ServerContext* context,
                                   const v1::EvaluateRequest* request,
                                   v1::EvaluateResponse* response) {
  if (!request->has_action()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "action: required; send the proposed action");
  }
  absl::StatusOr<policy::Action> action = ActionFromProto(request->action());
  if (!action.ok()) return ToGrpcStatus(action.status());
  absl::StatusOr<gate::Decision> decision =
      gate_.Evaluate(*action, gate::CallContext{});
  if (!decision.ok()) return ToGrpcStatus(decision.status());
  DecisionToProto(*decision, response->mutable_decision());
  return grpc::Status::OK;
}

}  // namespace portcullis::server
