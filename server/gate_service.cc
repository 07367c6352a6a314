#include "server/gate_service.h"

#include <chrono>
#include <optional>
#include <utility>

#include "codec/action_codec.h"
#include "codec/approval_codec.h"
#include "codec/decision_codec.h"
#include "codec/time_codec.h"
#include "server/approval_relay.h"
#include "server/decision_wait.h"
#include "server/pending_stream.h"
#include "server/status_codec.h"

namespace portcullis::server {
namespace {

grpc::Status Required(const char* field, const char* hint) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      std::string(field) + ": required; " + hint);
}

// How long the caller is willing to wait, from its own deadline.
absl::Duration CallerPatience(const grpc::ServerContextBase& context) {
  auto deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return absl::InfiniteDuration();
  }
  return absl::FromChrono(deadline - std::chrono::system_clock::now());
}

}  // namespace

template <typename Work>
grpc::ServerUnaryReactor* GateService::Unary(
    grpc::CallbackServerContext* context, identity::Method method,
    absl::string_view tenant, absl::string_view agent, bool blocking,
    Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  guard_.AdmitAsync(*context, method, tenant, agent,
                    [this, reactor, blocking, work = std::move(work)](
                        absl::StatusOr<identity::Principal> caller) mutable {
                      if (!caller.ok()) {
                        reactor->Finish(ToGrpcStatus(caller.status()));
                        return;
                      }
                      if (!blocking) {
                        reactor->Finish(work(*caller));
                        return;
                      }
                      OnWorker(reactor,
                               [reactor, work = std::move(work),
                                caller = *std::move(caller)]() mutable {
                                 reactor->Finish(work(caller));
                               });
                    });
  return reactor;
}

void GateService::OnWorker(grpc::ServerUnaryReactor* reactor,
                           WorkThreads::Work work) {
  if (!workers_.Run(std::move(work))) {
    reactor->Finish(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        "the gate is busy: too many calls are waiting for the ledger; retry "
        "shortly"));
  }
}

grpc::ServerUnaryReactor* GateService::Evaluate(
    grpc::CallbackServerContext* context, const v1::EvaluateRequest* request,
    v1::EvaluateResponse* response) {
  const auto received = std::chrono::steady_clock::now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // The caller's deadline on the gate's clock, read as the call arrives.
  const absl::Time deadline = CallerDeadline(*context, gate_.clock());
  // Admission next: past capacity the call is refused before any other
  // work (issue 15, item 5).
  Admission::Ticket ticket;
  if (admission_ != nullptr) {
    ticket = admission_->TryEnter();
    if (!ticket) {
      admission_->Refuse(*context, *reactor, received);
      return reactor;
    }
  }
  // The request and response live until the reactor is finished; no step
  // below waits for the ledger with this thread.
  guard_.AdmitAsync(
      *context, identity::Method::kEvaluate, request->action().tenant(),
      request->action().agent(),
      [this, reactor, request, response, deadline, ticket = std::move(ticket)](
          absl::StatusOr<identity::Principal> caller) mutable {
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

void GateService::EvaluateAdmitted(const identity::Principal& caller,
                                   absl::Time deadline,
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
  absl::StatusOr<policy::Action> action =
      codec::ActionFromProto(request.action());
  if (!action.ok()) {
    // Rejected by the codec: recorded like any other rejection.
    gate_.RejectAsync(codec::ActionHeaderFromProto(request.action()),
                      action.status(), call,
                      [reactor, ticket = std::move(ticket)](
                          absl::StatusOr<gate::Decision> rejected) mutable {
                        ticket.Leave();
                        reactor->Finish(ToGrpcStatus(rejected.status()));
                      });
    return;
  }
  auto answer = [reactor, response, ticket = std::move(ticket)](
                    absl::StatusOr<gate::Decision> decision,
                    std::optional<gate::Receipt> receipt) mutable {
    ticket.Leave();
    if (!decision.ok()) {
      reactor->Finish(ToGrpcStatus(decision.status()));
      return;
    }
    codec::DecisionToProto(*decision, response->mutable_decision());
    if (receipt) codec::ReceiptToProto(*receipt, response->mutable_receipt());
    reactor->Finish(grpc::Status::OK);
  };
  if (request.execute_on_allow()) {
    // Issue 17: an ALLOW is executed in the decision's own ledger append.
    gate_.EvaluateAndExecuteAsync(*action, call, std::move(answer));
    return;
  }
  gate_.EvaluateAsync(*action, call,
                      [answer = std::move(answer)](
                          absl::StatusOr<gate::Decision> decision) mutable {
                        answer(std::move(decision), std::nullopt);
                      });
}

grpc::ServerUnaryReactor* GateService::AwaitDecision(
    grpc::CallbackServerContext* context,
    const v1::AwaitDecisionRequest* request,
    v1::AwaitDecisionResponse* response) {
  auto* wait = new DecisionWait(gate_, response);
  absl::Duration patience = std::min(CallerPatience(*context), kMaxAwait);
  if (request->has_max_wait()) {
    patience =
        std::min(patience, codec::DurationFromProto(request->max_wait()));
  }
  guard_.AdmitWithPlaceAsync(
      *context, identity::Method::kAwaitDecision, request->tenant(), quota_,
      OpenCallQuota::Kind::kWait,
      [wait, request, patience](absl::StatusOr<CallGuard::Admitted> admitted) {
        if (!admitted.ok()) {
          wait->Refuse(ToGrpcStatus(admitted.status()));
          return;
        }
        wait->Start(std::move(admitted->slot), request->tenant(),
                    request->decision_id(), patience);
      });
  return wait;
}

grpc::ServerUnaryReactor* GateService::ListPending(
    grpc::CallbackServerContext* context, const v1::ListPendingRequest* request,
    v1::ListPendingResponse* response) {
  return Unary(
      context, identity::Method::kListPending, request->tenant(), {},
      /*blocking=*/false,
      [this, request, response](const identity::Principal&) {
        auto page = gate_.ListPendingPage(
            request->tenant(), request->page_token(), request->page_size());
        if (!page.ok()) return ToGrpcStatus(page.status());
        for (const gate::DecisionState& state : page->requests) {
          codec::PendingToProto(state, response->add_pending());
        }
        response->set_next_page_token(page->next_token);
        // The other replicas' requests come after this one's last
        // page. When they cannot be read, this replica's stand.
        if (page->next_token.empty() && options_.relay != nullptr) {
          options_.relay
              ->AddOthersPending(request->tenant(), response->mutable_pending())
              .IgnoreError();
        }
        return grpc::Status::OK;
      });
}

grpc::ServerWriteReactor<v1::PendingEvent>* GateService::WatchPending(
    grpc::CallbackServerContext* context,
    const v1::WatchPendingRequest* request) {
  auto* stream =
      new PendingStream(gate_, options_.relay, options_.watch_backlog);
  guard_.AdmitWithPlaceAsync(
      *context, identity::Method::kWatchPending, request->tenant(), quota_,
      OpenCallQuota::Kind::kStream,
      [stream, request](absl::StatusOr<CallGuard::Admitted> admitted) {
        if (!admitted.ok()) {
          stream->Refuse(ToGrpcStatus(admitted.status()));
          return;
        }
        stream->Start(std::move(admitted->slot), request->tenant());
      });
  return stream;
}

grpc::ServerUnaryReactor* GateService::Approve(
    grpc::CallbackServerContext* context, const v1::ApproveRequest* request,
    v1::ApproveResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  guard_.AdmitAsync(
      *context, identity::Method::kApprove, request->approval().tenant(), {},
      [this, reactor, context, request,
       response](absl::StatusOr<identity::Principal> caller) {
        if (!caller.ok()) {
          reactor->Finish(ToGrpcStatus(caller.status()));
          return;
        }
        if (!request->has_approval()) {
          reactor->Finish(Required("approval", "send the signed approval"));
          return;
        }
        // On a worker, which the ledger holds while the verdict is
        // recorded here; a verdict relayed to the replica that holds the
        // request waits for its answer on the relay's thread instead.
        OnWorker(reactor, [this, reactor, context, request, response,
                           caller = *std::move(caller)] {
          ApproveAnywhereAsync(
              gate_, options_.relay, *request, caller.name,
              std::min(CallerPatience(*context), kMaxRelayWait),
              [reactor, response](absl::StatusOr<v1::ApproveResponse> done) {
                if (!done.ok()) {
                  reactor->Finish(ToGrpcStatus(done.status()));
                  return;
                }
                *response = *std::move(done);
                reactor->Finish(grpc::Status::OK);
              });
        });
      });
  return reactor;
}

grpc::ServerUnaryReactor* GateService::Execute(
    grpc::CallbackServerContext* context, const v1::ExecuteRequest* request,
    v1::ExecuteResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  guard_.AdmitAsync(
      *context, identity::Method::kExecute, request->action().tenant(),
      request->action().agent(),
      [this, reactor, request,
       response](absl::StatusOr<identity::Principal> caller) {
        if (!caller.ok()) {
          reactor->Finish(ToGrpcStatus(caller.status()));
          return;
        }
        if (!request->has_action()) {
          reactor->Finish(
              Required("action", "send the action exactly as decided"));
          return;
        }
        absl::StatusOr<policy::Action> action =
            codec::ActionFromProto(request->action());
        if (!action.ok()) {
          // Rejected by the codec: recorded like Evaluate's (issue 15,
          // item 12).
          gate_.RejectAsync(codec::ActionHeaderFromProto(request->action()),
                            action.status(), gate::CallContext{caller->name},
                            [reactor](absl::StatusOr<gate::Decision> r) {
                              reactor->Finish(ToGrpcStatus(r.status()));
                            });
          return;
        }
        OnWorker(reactor, [this, reactor, request, response,
                           caller = *std::move(caller),
                           action = *std::move(action)]() {
          reactor->Finish(ExecuteAdmitted(caller, *request, action, response));
        });
      });
  return reactor;
}

grpc::Status GateService::ExecuteAdmitted(const identity::Principal& caller,
                                          const v1::ExecuteRequest& request,
                                          const policy::Action& action,
                                          v1::ExecuteResponse* response) {
  gate::ToolCall tool;
  absl::StatusOr<gate::Receipt> receipt = gate_.Execute(
      request.decision_id(), action, gate::CallContext{caller.name}, &tool);
  if (!receipt.ok()) return ToGrpcStatus(receipt.status());
  codec::ReceiptToProto(*receipt, response->mutable_receipt());
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

grpc::ServerUnaryReactor* GateService::ReportOutcome(
    grpc::CallbackServerContext* context,
    const v1::ReportOutcomeRequest* request,
    v1::ReportOutcomeResponse* response) {
  return Unary(
      context, identity::Method::kReportOutcome, request->tenant(), {},
      /*blocking=*/true,
      [this, request, response](const identity::Principal& caller) {
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
                "outcome",
                "EXECUTION_OUTCOME_SUCCEEDED or EXECUTION_OUTCOME_FAILED");
        }
        absl::StatusOr<uint64_t> sequence = gate_.ReportOutcome(
            request->tenant(), request->decision_id(), outcome,
            request->detail(), gate::CallContext{caller.name});
        if (!sequence.ok()) return ToGrpcStatus(sequence.status());
        response->set_ledger_sequence(*sequence);
        return grpc::Status::OK;
      });
}

// Issue 17: what the MCP gateway may list and forward for a tenant.
grpc::ServerUnaryReactor* GateService::ListTools(
    grpc::CallbackServerContext* context, const v1::ListToolsRequest* request,
    v1::ListToolsResponse* response) {
  return Unary(context, identity::Method::kListTools, request->tenant(), {},
               /*blocking=*/false,
               [this, request, response](const identity::Principal&) {
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
               });
}

namespace {

void StandingStatusToProto(const gate::StandingState& s,
                           v1::StandingStatus* proto) {
  codec::StandingToProto(s.approval, proto->mutable_approval());
  proto->set_uses(s.uses);
  proto->set_revoked(s.revoked);
  proto->set_revoked_by(s.revoked_by);
  proto->set_ledger_sequence(s.ledger_sequence);
}

}  // namespace

grpc::ServerUnaryReactor* GateService::GrantStanding(
    grpc::CallbackServerContext* context,
    const v1::GrantStandingRequest* request,
    v1::GrantStandingResponse* response) {
  return Unary(
      context, identity::Method::kGrantStanding, request->standing().tenant(),
      {},
      /*blocking=*/true,
      [this, request, response](const identity::Principal& caller) {
        if (!request->has_standing()) {
          return Required("standing", "send the signed standing approval");
        }
        absl::StatusOr<gate::StandingApproval> standing =
            codec::StandingFromProto(request->standing());
        if (!standing.ok()) return ToGrpcStatus(standing.status());
        absl::StatusOr<gate::StandingState> granted = gate_.GrantStanding(
            *standing, request->signature(), gate::CallContext{caller.name});
        if (!granted.ok()) return ToGrpcStatus(granted.status());
        StandingStatusToProto(*granted, response->mutable_standing());
        return grpc::Status::OK;
      });
}

grpc::ServerUnaryReactor* GateService::RevokeStanding(
    grpc::CallbackServerContext* context,
    const v1::RevokeStandingRequest* request,
    v1::RevokeStandingResponse* response) {
  return Unary(context, identity::Method::kRevokeStanding,
               request->revocation().tenant(), {},
               /*blocking=*/true,
               [this, request, response](const identity::Principal& caller) {
                 if (!request->has_revocation()) {
                   return Required("revocation", "send the signed revocation");
                 }
                 absl::StatusOr<gate::StandingState> revoked =
                     gate_.RevokeStanding(
                         codec::RevocationFromProto(request->revocation()),
                         request->signature(), gate::CallContext{caller.name});
                 if (!revoked.ok()) return ToGrpcStatus(revoked.status());
                 StandingStatusToProto(*revoked, response->mutable_standing());
                 return grpc::Status::OK;
               });
}

grpc::ServerUnaryReactor* GateService::ListStanding(
    grpc::CallbackServerContext* context,
    const v1::ListStandingRequest* request,
    v1::ListStandingResponse* response) {
  return Unary(context, identity::Method::kListStanding, request->tenant(), {},
               /*blocking=*/false,
               [this, request, response](const identity::Principal&) {
                 absl::StatusOr<std::vector<gate::StandingState>> listed =
                     gate_.ListStanding(request->tenant());
                 if (!listed.ok()) return ToGrpcStatus(listed.status());
                 for (const gate::StandingState& s : *listed) {
                   StandingStatusToProto(s, response->add_standing());
                 }
                 return grpc::Status::OK;
               });
}

}  // namespace portcullis::server
