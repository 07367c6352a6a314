#include "server/console_api.h"

#include <google/protobuf/struct.pb.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/identifiers.h"
#include "codec/activity_codec.h"
#include "codec/approval_codec.h"
#include "codec/decision_codec.h"
#include "codec/time_codec.h"
#include "gate/activity_event.h"
#include "portcullis/v1/admin.pb.h"
#include "portcullis/v1/gate.pb.h"
#include "server/status_codec.h"
#include "server/status_response.h"

namespace portcullis::server {
namespace {

// The path's segments: "/tenants/shop/pending" → {tenants, shop, pending}.
std::vector<std::string> Segments(absl::string_view path) {
  return absl::StrSplit(path, '/', absl::SkipEmpty());
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

// The ledger kinds that are decisions about an agent's actions: the
// gate's decision and what became of one that waited for people.
bool IsDecisionKind(absl::string_view kind) {
  return kind == "action.evaluated" || kind == "approval.granted" ||
         kind == "approval.denied" || kind == "approval.expired";
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
  if (get && at.size() == 1 && at[0] == "activity")
    return Activity(request, "");
  if (get && at.size() == 3 && at[0] == "tenants" && at[2] == "activity") {
    return Activity(request, at[1]);
  }
  if (get && at.size() == 1 && at[0] == "ledger") return LedgerHealth(request);
  if (get && at.size() == 1 && at[0] == "connectors") {
    return Connectors(request);
  }
  if (get && at.size() == 5 && at[0] == "tenants" && at[2] == "agents" &&
      at[4] == "decisions") {
    return RecentDecisions(request, at[1], at[3]);
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
  for (identity::Role role : caller->roles) {
    roles->add_values()->set_string_value(identity::RoleName(role));
  }
  auto* tenants = fields["tenants"].mutable_list_value();
  for (const std::string& tenant : caller->tenants) {
    tenants->add_values()->set_string_value(tenant);
  }
  // A principal of every tenant ("*") is told the policy's tenants, so
  // that the console need not ask a person to type them.
  if (caller->AllTenants()) {
    auto* declared = fields["policyTenants"].mutable_list_value();
    for (const gate::TenantStatus& t : gate_.Status().tenants) {
      declared->add_values()->set_string_value(t.tenant);
    }
  }
  return Json(me);
}

http::ApiResponse ConsoleApi::ListPending(const http::ApiRequest& request,
                                          absl::string_view tenant) const {
  auto caller = guard_.AdmitHttp(request.authorization,
                                 identity::Method::kListPending, tenant);
  if (!caller.ok()) return Error(caller.status());
  auto pending = gate_.ListPending(tenant);
  if (!pending.ok()) return Error(pending.status());
  v1::ListPendingResponse response;
  for (const gate::DecisionState& state : *pending) {
    codec::PendingToProto(state, response.add_pending());
  }
  if (sources_.relay != nullptr) {
    // When the other replicas cannot be read, this one's requests stand.
    sources_.relay->AddOthersPending(tenant, response.mutable_pending())
        .IgnoreError();
  }
  return Json(response);
}

http::ApiResponse ConsoleApi::OnePending(const http::ApiRequest& request,
                                         absl::string_view tenant,
                                         absl::string_view decision_id) const {
  auto caller = guard_.AdmitHttp(request.authorization,
                                 identity::Method::kListPending, tenant);
  if (!caller.ok()) return Error(caller.status());
  auto pending = gate_.ListPending(tenant);
  if (!pending.ok()) return Error(pending.status());
  for (const gate::DecisionState& state : *pending) {
    if (state.current.id != decision_id) continue;
    v1::PendingApproval response;
    codec::PendingToProto(state, &response);
    return Json(response);
  }
  if (sources_.relay != nullptr) {
    google::protobuf::RepeatedPtrField<v1::PendingApproval> others;
    if (sources_.relay->AddOthersPending(tenant, &others).ok()) {
      for (const v1::PendingApproval& other : others) {
        if (other.decision().decision_id() == decision_id) return Json(other);
      }
    }
  }
  return Error(absl::NotFoundError(
      "no such pending request: it was decided, expired or never existed"));
}

http::ApiResponse ConsoleApi::Approve(const http::ApiRequest& request) const {
  v1::ApproveRequest in;
  absl::Status parsed = json_.Parse(request.body, &in);
  // Admitted before the body is judged, so that an unauthenticated caller
  // learns nothing; the tenant comes from the statement.
  auto caller =
      guard_.AdmitHttp(request.authorization, identity::Method::kApprove,
                       in.approval().tenant());
  if (!caller.ok()) return Error(caller.status());
  if (!parsed.ok()) return Error(parsed);
  if (!in.has_approval()) {
    return Error(absl::InvalidArgumentError(
        "approval: required; send the signed approval"));
  }
  absl::StatusOr<v1::ApproveResponse> approved =
      ApproveAnywhere(gate_, sources_.relay, in, caller->name, kMaxRelayWait);
  if (!approved.ok()) return Error(approved.status());
  return Json(*approved);
}

http::ApiResponse ConsoleApi::Status(const http::ApiRequest& request) const {
  auto caller =
      guard_.AdmitHttp(request.authorization, identity::Method::kStatus, "");
  if (!caller.ok()) return Error(caller.status());
  v1::StatusResponse response;
  StatusResponseFrom(gate_.Status(), *caller, started_at_, &response);
  return Json(response);
}

http::ApiResponse ConsoleApi::HaltOrResume(const http::ApiRequest& request,
                                           bool halt) const {
  // HaltRequest and ResumeRequest have the same shape (tenant, reason).
  v1::HaltRequest in;
  absl::Status parsed = json_.Parse(request.body, &in);
  auto caller = guard_.AdmitHttp(
      request.authorization,
      halt ? identity::Method::kHalt : identity::Method::kResume, in.tenant());
  if (!caller.ok()) return Error(caller.status());
  if (!parsed.ok()) return Error(parsed);
  gate::CallContext call{caller->name};
  absl::Status s = halt ? gate_.Halt(in.tenant(), in.reason(), call)
                        : gate_.Resume(in.tenant(), in.reason(), call);
  if (!s.ok()) return Error(s);
  return {200, "{}"};
}

http::ApiResponse ConsoleApi::LedgerHealth(
    const http::ApiRequest& request) const {
  auto caller =
      guard_.AdmitHttp(request.authorization, identity::Method::kStatus, "");
  if (!caller.ok()) return Error(caller.status());
  const ledger::Ledger* ledger = sources_.ledger;
  if (ledger == nullptr) {
    return Error(absl::UnimplementedError("this gate has no ledger to show"));
  }
  // What the gate and the ledger already know (the integrity checks of
  // open and of each append, and the kill switch), read from memory: no
  // second check here.
  gate::GateStatus status = gate_.Status();
  absl::flat_hash_map<std::string, std::string> refused;
  for (const ledger::TenantRefusal& r : ledger->Refusals()) {
    // Bounded and without server paths, as errors are.
    refused[r.tenant] =
        ToGrpcStatus(absl::DataLossError(r.reason)).error_message();
  }
  absl::Time now = gate_.clock().Now();
  google::protobuf::Value health;
  auto& fields = *health.mutable_struct_value()->mutable_fields();
  if (sources_.ready) fields["ready"].set_bool_value(sources_.ready());
  fields["ledgerWritable"].set_bool_value(ledger->writable());
  fields["gateHalted"].set_bool_value(status.gate_halted.has_value());
  auto* tenants = fields["tenants"].mutable_list_value();
  auto add = [&](const std::string& tenant, const gate::TenantStatus* t) {
    auto& out =
        *tenants->add_values()->mutable_struct_value()->mutable_fields();
    out["tenant"].set_string_value(tenant);
    bool halted = t != nullptr && t->halted.has_value();
    out["halted"].set_bool_value(halted);
    if (halted) out["haltReason"].set_string_value(*t->halted);
    auto r = refused.find(tenant);
    out["refused"].set_bool_value(r != refused.end());
    if (r != refused.end()) out["refusal"].set_string_value(r->second);
    std::optional<ledger::ChainHead> head = ledger->Head(tenant);
    uint64_t sequence = head.has_value() ? head->sequence : 0;
    out["ledgerSequence"].set_number_value(static_cast<double>(sequence));
    std::optional<ledger::CheckpointMark> mark =
        ledger->LatestCheckpoint(tenant);
    if (mark.has_value()) {
      auto& cp = *out["checkpoint"].mutable_struct_value()->mutable_fields();
      cp["sequence"].set_number_value(static_cast<double>(mark->size));
      cp["time"].set_string_value(
          absl::FormatTime(absl::RFC3339_sec, mark->time, absl::UTCTimeZone()));
      cp["ageSeconds"].set_number_value(
          std::max(0.0, absl::ToDoubleSeconds(now - mark->time)));
      cp["entriesSince"].set_number_value(static_cast<double>(
          sequence > mark->size ? sequence - mark->size : 0));
    }
  };
  absl::flat_hash_set<std::string> listed;
  for (const gate::TenantStatus& t : status.tenants) {
    if (!caller->MayActFor(t.tenant)) continue;
    add(t.tenant, &t);
    listed.insert(t.tenant);
  }
  // A refused tenant the policy no longer declares is still shown.
  for (const auto& [tenant, reason] : refused) {
    if (listed.contains(tenant) || !caller->MayActFor(tenant)) continue;
    add(tenant, nullptr);
  }
  return Json(health);
}

http::ApiResponse ConsoleApi::Connectors(
    const http::ApiRequest& request) const {
  auto caller =
      guard_.AdmitHttp(request.authorization, identity::Method::kStatus, "");
  if (!caller.ok()) return Error(caller.status());
  if (sources_.metrics == nullptr) {
    return Error(absl::UnimplementedError("this gate counts no executions"));
  }
  // Gate-wide counts, as /metrics serves them to any operator: no tenant,
  // no tool, no argument.
  google::protobuf::Value out;
  auto& fields = *out.mutable_struct_value()->mutable_fields();
  fields["connectors"].set_number_value(
      static_cast<double>(sources_.connectors));
  auto* list = fields["executions"].mutable_list_value();
  for (const GateMetrics::ExecutionCount& c :
       sources_.metrics->ExecutionCounts()) {
    auto& e = *list->add_values()->mutable_struct_value()->mutable_fields();
    e["connector"].set_string_value(c.connector);
    e["result"].set_string_value(c.result);
    e["count"].set_number_value(static_cast<double>(c.count));
  }
  // One row per configured connector (issue 19): names come from the
  // configuration, as on /metrics.
  auto* rows = fields["byConnector"].mutable_list_value();
  for (const GateMetrics::ConnectorHealth& c : sources_.metrics->Connectors()) {
    auto& row = *rows->add_values()->mutable_struct_value()->mutable_fields();
    row["name"].set_string_value(c.name);
    row["state"].set_string_value(!c.last_call.has_value() ? "unused"
                                  : c.last_call_failed     ? "failing"
                                                           : "healthy");
    row["ok"].set_number_value(static_cast<double>(c.ok));
    auto& failed = *row["failed"].mutable_struct_value()->mutable_fields();
    for (const auto& [result, count] : c.failed) {
      failed[result].set_number_value(static_cast<double>(count));
    }
    auto time = [](absl::Time t) {
      return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
    };
    if (c.last_call) row["lastCall"].set_string_value(time(*c.last_call));
    if (c.last_failure) {
      row["lastFailure"].set_string_value(time(*c.last_failure));
    }
  }
  return Json(out);
}

http::ApiResponse ConsoleApi::RecentDecisions(const http::ApiRequest& request,
                                              absl::string_view tenant,
                                              absl::string_view agent) const {
  // Both ids are checked before they reach the guard's records or a read.
  if (absl::Status s = ValidateTenantId(tenant); !s.ok()) return Error(s);
  if (absl::Status s = ValidateAgentId(agent); !s.ok()) return Error(s);
  auto caller = guard_.AdmitHttp(request.authorization,
                                 identity::Method::kRecentDecisions, tenant);
  if (!caller.ok()) return Error(caller.status());
  if (sources_.ledger == nullptr || sources_.codec == nullptr) {
    return Error(absl::UnimplementedError("this gate has no ledger to read"));
  }
  // A bounded read from the head down: at most kRecentScanLimit entries,
  // stopping at kRecentDecisions of the agent's.
  std::vector<std::string> found;
  int scanned = 0;
  bool cut = false;
  absl::Status printed = absl::OkStatus();
  absl::Status s =
      sources_.ledger->Read(tenant, 0, true, [&](const ledger::Entry& entry) {
        if (scanned >= kRecentScanLimit) {
          cut = true;
          return false;
        }
        ++scanned;
        if (!IsDecisionKind(entry.kind)) return true;
        gate::ActivityEvent event =
            gate::ActivityEventFrom(entry, *sources_.codec);
        if (event.agent != agent) return true;
        v1::ActivityEvent out;
        codec::ActivityEventToProto(event, &out);
        absl::StatusOr<std::string> json = json_.Print(out);
        if (!json.ok()) {
          printed = json.status();
          return false;
        }
        found.push_back(*std::move(json));
        if (found.size() >= static_cast<size_t>(kRecentDecisions)) {
          cut = true;
          return false;
        }
        return true;
      });
  if (!s.ok()) return Error(s);
  if (!printed.ok()) return Error(printed);
  // Each event is protobuf's JSON; the list around them holds only a
  // number and a boolean ("more": the read stopped at a limit, older
  // decisions may exist).
  return {200, absl::StrCat("{\"decisions\":[", absl::StrJoin(found, ","),
                            "],\"scanned\":", scanned,
                            ",\"more\":", cut ? "true" : "false", "}")};
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
