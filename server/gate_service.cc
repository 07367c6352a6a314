#include "server/gate_service.h"

#include <chrono>
#include <future>

#include "server/codec/action_codec.h"
#include "server/codec/approval_codec.h"
#include "server/codec/decision_codec.h"
#include "server/codec/time_codec.h"
#include "server/status_codec.h"

namespace portcullis::server {
namespace {

grpc::Status Required(const char* field, const char* hint) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      std::string(field) + ": required; " + hint);
}

// How long the caller is willing to wait, from its own deadline.
absl::Duration CallerPatience(const grpc::ServerContext& context) {
  auto deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return absl::InfiniteDuration();
  }
  return absl::FromChrono(deadline - std::chrono::system_clock::now());
}

v1::PendingEvent::Kind KindToProto(gate::QueueEvent::Kind kind) {
  switch (kind) {
    case gate::QueueEvent::Kind::kAdded:
      return v1::PendingEvent::KIND_ADDED;
    case gate::QueueEvent::Kind::kUpdated:
      return v1::PendingEvent::KIND_UPDATED;
    case gate::QueueEvent::Kind::kResolved:
      return v1::PendingEvent::KIND_RESOLVED;
  }
  return v1::PendingEvent::KIND_UNSPECIFIED;
}

}  // namespace

grpc::ServerUnaryReactor* GateService::Evaluate(
    grpc::CallbackServerContext* context, const v1::EvaluateRequest* request,
    v1::EvaluateResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // Admission first: past capacity the call is refused before any other
  // work (issue 15, item 5).
  Admission::Ticket ticket;
  if (admission_ != nullptr) {
    ticket = admission_->TryEnter();
    if (!ticket) {
      reactor->Finish(admission_->Refuse(*context));
      return reactor;
    }
  }
  const absl::Time deadline = CallerDeadline(*context, gate_.clock());
  // The request and response live until the reactor is finished; no step
  // below waits for the ledger with this thread.
  guard_.AdmitAsync(
      *context, Method::kEvaluate, request->action().tenant(),
      request->action().agent(),
      [this, reactor, request, response, deadline,
       ticket = std::move(ticket)](absl::StatusOr<Principal> caller) mutable {
        if (!caller.ok()) {
          ticket.Leave();
          reactor->Finish(ToGrpcStatus(caller.status()));
          return;
        }
        EvaluateAdmitted(*caller, deadline, *request, response, reactor,
                         std::move(ticket));
      });
  return reactor;
}

void GateService::EvaluateAdmitted(const Principal& caller, absl::Time deadline,
                                   const v1::EvaluateRequest& request,
                                   v1::EvaluateResponse* response,
                                   grpc::ServerUnaryReactor* reactor,
                                   Admission::Ticket ticket) {
  if (!request.has_action()) {
    ticket.Leave();
    reactor->Finish(Required("action", "send the proposed action"));
    return;
  }
  const gate::CallContext call{caller.name, deadline};
  absl::StatusOr<policy::Action> action = ActionFromProto(request.action());
  if (!action.ok()) {
    // Rejected by the codec: recorded like any other rejection.
    gate_.RejectAsync(ActionHeaderFromProto(request.action()), action.status(),
                      call,
                      [reactor, ticket = std::move(ticket)](
                          absl::StatusOr<gate::Decision> rejected) mutable {
                        ticket.Leave();
                        reactor->Finish(ToGrpcStatus(rejected.status()));
                      });
    return;
  }
  gate_.EvaluateAsync(*action, call,
                      [reactor, response, ticket = std::move(ticket)](
                          absl::StatusOr<gate::Decision> decision) mutable {
                        ticket.Leave();
                        if (!decision.ok()) {
                          reactor->Finish(ToGrpcStatus(decision.status()));
                          return;
                        }
                        DecisionToProto(*decision,
                                        response->mutable_decision());
                        reactor->Finish(grpc::Status::OK);
                      });
}

grpc::Status GateService::AwaitDecision(grpc::ServerContext* context,
                                        const v1::AwaitDecisionRequest* request,
                                        v1::AwaitDecisionResponse* response) {
  auto caller =
      guard_.Admit(*context, Method::kAwaitDecision, request->tenant());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::Duration wait = std::min(CallerPatience(*context), kMaxAwait);
  if (request->has_max_wait()) {
    wait = std::min(wait, DurationFromProto(request->max_wait()));
  }
  // Wait in slices so that a caller who hangs up frees the thread soon.
  const auto until =
      std::chrono::steady_clock::now() +
      absl::ToChronoNanoseconds(std::max(wait, absl::ZeroDuration()));
  for (;;) {
    absl::Duration left =
        absl::FromChrono(until - std::chrono::steady_clock::now());
    absl::StatusOr<gate::Decision> decision = gate_.AwaitDecision(
        request->tenant(), request->decision_id(),
        std::clamp(left, absl::ZeroDuration(), absl::Seconds(1)));
    if (!decision.ok()) return ToGrpcStatus(decision.status());
    bool pending =
        decision->verdict.outcome == policy::Outcome::kPendingApproval;
    if (!pending || left <= absl::ZeroDuration() || context->IsCancelled()) {
      DecisionToProto(*decision, response->mutable_decision());
      return grpc::Status::OK;
    }
  }
}

grpc::Status GateService::ListPending(grpc::ServerContext* context,
                                      const v1::ListPendingRequest* request,
                                      v1::ListPendingResponse* response) {
  auto caller = guard_.Admit(*context, Method::kListPending, request->tenant());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  auto page = gate_.ListPendingPage(request->tenant(), request->page_token(),
                                    request->page_size());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const gate::DecisionState& state : page->requests) {
    PendingToProto(state, response->add_pending());
  }
  response->set_next_page_token(page->next_token);
  return grpc::Status::OK;
}

grpc::Status GateService::WatchPending(
    grpc::ServerContext* context, const v1::WatchPendingRequest* request,
    grpc::ServerWriter<v1::PendingEvent>* writer) {
  auto caller =
      guard_.Admit(*context, Method::kWatchPending, request->tenant());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::Status s = gate_.WatchPending(
      request->tenant(),
      [&](const gate::QueueEvent& event) {
        v1::PendingEvent out;
        out.set_kind(KindToProto(event.kind));
        PendingToProto(event.state, out.mutable_pending());
        if (event.kind == gate::QueueEvent::Kind::kResolved) {
          DecisionToProto(event.state.current, out.mutable_decision());
        }
        return writer->Write(out);
      },
      [&] { return context->IsCancelled(); });
  return ToGrpcStatus(s);
}

grpc::Status GateService::Approve(grpc::ServerContext* context,
                                  const v1::ApproveRequest* request,
                                  v1::ApproveResponse* response) {
  auto caller =
      guard_.Admit(*context, Method::kApprove, request->approval().tenant());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (!request->has_approval()) {
    return Required("approval", "send the signed approval");
  }
  absl::StatusOr<gate::Approval> approval =
      ApprovalFromProto(request->approval());
  if (!approval.ok()) return ToGrpcStatus(approval.status());
  absl::StatusOr<gate::ApproveResult> result = gate_.Approve(
      *approval, request->signature(), gate::CallContext{caller->name});
  if (!result.ok()) return ToGrpcStatus(result.status());
  DecisionToProto(result->decision, response->mutable_decision());
  if (result->pending) {
    PendingToProto(*result->pending, response->mutable_pending());
  }
  return grpc::Status::OK;
}

grpc::Status GateService::Execute(grpc::ServerContext* context,
                                  const v1::ExecuteRequest* request,
                                  v1::ExecuteResponse* response) {
  auto caller =
      guard_.Admit(*context, Method::kExecute, request->action().tenant(),
                   request->action().agent());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (!request->has_action()) {
    return Required("action", "send the action exactly as decided");
  }
  absl::StatusOr<policy::Action> action = ActionFromProto(request->action());
  if (!action.ok()) {
    // Rejected by the codec: recorded like Evaluate's (issue 15, item 12).
    std::promise<absl::Status> recorded;
    gate_.RejectAsync(ActionHeaderFromProto(request->action()), action.status(),
                      gate::CallContext{caller->name},
                      [&recorded](absl::StatusOr<gate::Decision> rejected) {
                        recorded.set_value(rejected.status());
                      });
    return ToGrpcStatus(recorded.get_future().get());
  }
  gate::ToolCall tool;
  absl::StatusOr<gate::Receipt> receipt = gate_.Execute(
      request->decision_id(), *action, gate::CallContext{caller->name}, &tool);
  if (!receipt.ok()) return ToGrpcStatus(receipt.status());
  ReceiptToProto(*receipt, response->mutable_receipt());
  if (tool.called) {
    v1::ToolResponse* out = response->mutable_tool_response();
    out->set_called(true);
    if (tool.result.ok()) {
      out->set_http_status(static_cast<uint32_t>(tool.result->http_status));
      out->set_content_type(tool.result->content_type);
      out->set_body(tool.result->body);
      out->set_withheld(tool.result->withheld);
    } else {
      out->set_error(std::string(tool.result.status().message()));
    }
  }
  return grpc::Status::OK;
}

grpc::Status GateService::ReportOutcome(grpc::ServerContext* context,
                                        const v1::ReportOutcomeRequest* request,
                                        v1::ReportOutcomeResponse* response) {
  auto caller =
      guard_.Admit(*context, Method::kReportOutcome, request->tenant());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  gate::ExecutionOutcome outcome;
  switch (request->outcome()) {
    case v1::EXECUTION_OUTCOME_SUCCEEDED:
      outcome = gate::ExecutionOutcome::kSucceeded;
      break;
    case v1::EXECUTION_OUTCOME_FAILED:
      outcome = gate::ExecutionOutcome::kFailed;
      break;
    default:
      return Required(
          "outcome", "EXECUTION_OUTCOME_SUCCEEDED or EXECUTION_OUTCOME_FAILED");
  }
  absl::StatusOr<uint64_t> sequence =
      gate_.ReportOutcome(request->tenant(), request->decision_id(), outcome,
                          request->detail(), gate::CallContext{caller->name});
  if (!sequence.ok()) return ToGrpcStatus(sequence.status());
  response->set_ledger_sequence(*sequence);
  return grpc::Status::OK;
}

// Issue 17: what the MCP gateway may list and forward for a tenant.
grpc::Status GateService::ListTools(grpc::ServerContext* context,
                                    const v1::ListToolsRequest* request,
                                    v1::ListToolsResponse* response) {
  auto caller = guard_.Admit(*context, Method::kListTools, request->tenant());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<gate::DeclaredTools> declared =
      gate_.ListDeclaredTools(request->tenant());
  if (!declared.ok()) return ToGrpcStatus(declared.status());
  for (const policy::ToolInfo& tool : declared->tools) {
    v1::DeclaredTool* out = response->add_tools();
    out->set_name(tool.name);
    for (const policy::ToolArgumentInfo& arg : tool.arguments) {
      v1::DeclaredArgument* a = out->add_arguments();
      a->set_name(arg.name);
      a->set_type(arg.type);
      a->set_optional(arg.optional);
    }
  }
  response->set_policy_version(declared->policy->version);
  response->set_policy_hash(declared->policy->content_hash);
  return grpc::Status::OK;
}

}  // namespace portcullis::server
