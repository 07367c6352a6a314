#include "server/console_api.h"

#include <google/protobuf/struct.pb.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "portcullis/v1/admin.pb.h"
#include "portcullis/v1/gate.pb.h"
#include "server/codec/approval_codec.h"
#include "server/codec/decision_codec.h"
#include "server/codec/time_codec.h"
#include "server/status_codec.h"

namespace portcullis::server {
namespace {

// The path's segments: "/tenants/shop/pending" → {tenants, shop, pending}.
std::vector<std::string> Segments(absl::string_view path) {
  return absl::StrSplit(path, '/', absl::SkipEmpty());
}

void PolicyToProto(const gate::PolicySnapshot* policy, v1::PolicyRef* proto) {
  if (policy == nullptr) return;
  proto->set_version(policy->version);
  proto->set_content_hash(policy->content_hash);
}

const char* CodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    case absl::StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case absl::StatusCode::kNotFound:
      return "NOT_FOUND";
    case absl::StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case absl::StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case absl::StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case absl::StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case absl::StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case absl::StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case absl::StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case absl::StatusCode::kDataLoss:
      return "DATA_LOSS";
    default:
      return "INTERNAL";
  }
}

}  // namespace

int ConsoleApi::HttpStatus(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

http::ApiResponse ConsoleApi::Handle(const http::ApiRequest& request) const {
  std::vector<std::string> at = Segments(request.path);
  bool get = request.method == "GET";
  bool post = request.method == "POST";
  if (get && at.size() == 1 && at[0] == "me") return Me(request);
  if (get && at.size() == 3 && at[0] == "tenants" && at[2] == "pending") {
    return ListPending(request, at[1]);
  }
  if (get && at.size() == 3 && at[0] == "tenants" && at[2] == "events") {
    return Events(request, at[1]);
  }
  if (get && at.size() == 4 && at[0] == "tenants" && at[2] == "pending") {
    return OnePending(request, at[1], at[3]);
  }
  if (post && at.size() == 1 && at[0] == "approve") return Approve(request);
  if (get && at.size() == 1 && at[0] == "status") return Status(request);
  if (post && at.size() == 1 && at[0] == "halt") {
    return HaltOrResume(request, true);
  }
  if (post && at.size() == 1 && at[0] == "resume") {
    return HaltOrResume(request, false);
  }
  return Error(absl::NotFoundError("no such API call (see docs/console.md)"));
}

http::ApiResponse ConsoleApi::Me(const http::ApiRequest& request) const {
  // Any identified caller may ask who they are: the console shows it and
  // learns which tenants to watch. Nothing here is secret to the caller.
  auto caller = guard_.IdentifyHttp(request.authorization);
  if (!caller.ok()) return Error(caller.status());
  google::protobuf::Value me;
  auto& fields = *me.mutable_struct_value()->mutable_fields();
  fields["principal"].set_string_value(caller->name);
  auto* roles = fields["roles"].mutable_list_value();
  for (Role role : caller->roles) {
    roles->add_values()->set_string_value(RoleName(role));
  }
  auto* tenants = fields["tenants"].mutable_list_value();
  for (const std::string& tenant : caller->tenants) {
    tenants->add_values()->set_string_value(tenant);
  }
  return Json(me);
}

http::ApiResponse ConsoleApi::ListPending(const http::ApiRequest& request,
                                          absl::string_view tenant) const {
  auto caller =
      guard_.AdmitHttp(request.authorization, Method::kListPending, tenant);
  if (!caller.ok()) return Error(caller.status());
  auto pending = gate_.ListPending(tenant);
  if (!pending.ok()) return Error(pending.status());
  v1::ListPendingResponse response;
  for (const gate::DecisionState& state : *pending) {
    PendingToProto(state, response.add_pending());
  }
  return Json(response);
}

http::ApiResponse ConsoleApi::OnePending(const http::ApiRequest& request,
                                         absl::string_view tenant,
                                         absl::string_view decision_id) const {
  auto caller =
      guard_.AdmitHttp(request.authorization, Method::kListPending, tenant);
  if (!caller.ok()) return Error(caller.status());
  auto pending = gate_.ListPending(tenant);
  if (!pending.ok()) return Error(pending.status());
  for (const gate::DecisionState& state : *pending) {
    if (state.current.id != decision_id) continue;
    v1::PendingApproval response;
    PendingToProto(state, &response);
    return Json(response);
  }
  return Error(absl::NotFoundError(
      "no such pending request: it was decided, expired or never existed"));
}

http::ApiResponse ConsoleApi::Events(const http::ApiRequest& request,
                                     absl::string_view tenant) const {
  auto caller =
      guard_.AdmitHttp(request.authorization, Method::kWatchPending, tenant);
  if (!caller.ok()) return Error(caller.status());
  if (stopping_.load()) {
    return Error(absl::UnavailableError("the gate is stopping"));
  }
  // A slot among kMaxStreams, released when the stream (or the answer
  // that never got to stream) is gone.
  if (streams_.fetch_add(1) >= kMaxStreams) {
    streams_.fetch_sub(1);
    return Error(absl::ResourceExhaustedError(
        "too many live event streams; poll /pending instead"));
  }
  class Slot {
   public:
    explicit Slot(std::atomic<int>& streams) : streams_(streams) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { streams_.fetch_sub(1); }

   private:
    std::atomic<int>& streams_;
  };
  auto slot = std::make_shared<Slot>(streams_);
  http::ApiResponse answer;
  answer.stream = [this, slot, t = std::string(tenant)](
                      const std::function<bool(std::string_view)>& write) {
    absl::Time end = absl::Now() + kStreamLifetime;
    absl::Time next_ping = absl::Now() + kStreamPing;
    bool gone = !write(": events of the tenant's approval queue\n\n");
    absl::Status s = gate_.WatchPending(
        t,
        [&](const gate::QueueEvent& event) {
          v1::PendingEvent out;
          out.set_kind(event.kind == gate::QueueEvent::Kind::kAdded
                           ? v1::PendingEvent::KIND_ADDED
                       : event.kind == gate::QueueEvent::Kind::kUpdated
                           ? v1::PendingEvent::KIND_UPDATED
                           : v1::PendingEvent::KIND_RESOLVED);
          PendingToProto(event.state, out.mutable_pending());
          if (event.kind == gate::QueueEvent::Kind::kResolved) {
            DecisionToProto(event.state.current, out.mutable_decision());
          }
          absl::StatusOr<std::string> json = json_.Print(out);
          if (!json.ok()) return false;
          gone = !write(absl::StrCat("data: ", *json, "\n\n"));
          return !gone;
        },
        [&] {
          // A comment now and then finds a client that has gone: its
          // slot is free again within two of them.
          absl::Time now = absl::Now();
          if (!gone && now >= next_ping) {
            gone = !write(": ping\n\n");
            next_ping = now + kStreamPing;
          }
          return gone || stopping_.load() || now >= end;
        });
    (void)s;  // the tenant was checked on admission; a stream just ends
  };
  return answer;
}

http::ApiResponse ConsoleApi::Approve(const http::ApiRequest& request) const {
  v1::ApproveRequest in;
  absl::Status parsed = json_.Parse(request.body, &in);
  // Admitted before the body is judged, so that an unauthenticated caller
  // learns nothing; the tenant comes from the statement.
  auto caller = guard_.AdmitHttp(request.authorization, Method::kApprove,
                                 in.approval().tenant());
  if (!caller.ok()) return Error(caller.status());
  if (!parsed.ok()) return Error(parsed);
  if (!in.has_approval()) {
    return Error(absl::InvalidArgumentError(
        "approval: required; send the signed approval"));
  }
  absl::StatusOr<gate::Approval> approval = ApprovalFromProto(in.approval());
  if (!approval.ok()) return Error(approval.status());
  absl::StatusOr<gate::ApproveResult> result =
      gate_.Approve(*approval, in.signature(), gate::CallContext{caller->name});
  if (!result.ok()) return Error(result.status());
  v1::ApproveResponse response;
  DecisionToProto(result->decision, response.mutable_decision());
  if (result->pending) {
    PendingToProto(*result->pending, response.mutable_pending());
  }
  return Json(response);
}

http::ApiResponse ConsoleApi::Status(const http::ApiRequest& request) const {
  auto caller = guard_.AdmitHttp(request.authorization, Method::kStatus, "");
  if (!caller.ok()) return Error(caller.status());
  gate::GateStatus status = gate_.Status();
  v1::StatusResponse response;
  PolicyToProto(status.policy.get(), response.mutable_policy());
  response.set_gate_halted(status.gate_halted.has_value());
  for (const gate::TenantStatus& t : status.tenants) {
    if (!caller->MayActFor(t.tenant)) continue;  // an operator of some
    v1::TenantStatus* out = response.add_tenants();
    out->set_tenant(t.tenant);
    out->set_halted(t.halted.has_value());
    out->set_halt_reason(t.halted.value_or(""));
    out->set_pending(static_cast<uint32_t>(t.pending));
    out->set_ledger_sequence(t.ledger_sequence);
  }
  TimeToProto(started_at_, response.mutable_started_at());
  return Json(response);
}

http::ApiResponse ConsoleApi::HaltOrResume(const http::ApiRequest& request,
                                           bool halt) const {
  // HaltRequest and ResumeRequest have the same shape (tenant, reason).
  v1::HaltRequest in;
  absl::Status parsed = json_.Parse(request.body, &in);
  auto caller =
      guard_.AdmitHttp(request.authorization,
                       halt ? Method::kHalt : Method::kResume, in.tenant());
  if (!caller.ok()) return Error(caller.status());
  if (!parsed.ok()) return Error(parsed);
  gate::CallContext call{caller->name};
  absl::Status s = halt ? gate_.Halt(in.tenant(), in.reason(), call)
                        : gate_.Resume(in.tenant(), in.reason(), call);
  if (!s.ok()) return Error(s);
  return {200, "{}"};
}

http::ApiResponse ConsoleApi::Json(
    const google::protobuf::Message& message) const {
  absl::StatusOr<std::string> body = json_.Print(message);
  if (!body.ok()) return Error(body.status());
  return {200, *std::move(body)};
}

http::ApiResponse ConsoleApi::Error(const absl::Status& status) const {
  // The gRPC conversion bounds the message and hides server paths.
  grpc::Status safe = ToGrpcStatus(status);
  google::protobuf::Value message;
  message.set_string_value(safe.error_message());
  absl::StatusOr<std::string> quoted = json_.Print(message);
  return {HttpStatus(status.code()),
          absl::StrCat("{\"code\":\"", CodeName(status.code()),
                       "\",\"message\":", quoted.ok() ? *quoted : "\"\"", "}")};
}

}  // namespace portcullis::server
