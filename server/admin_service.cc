#include "server/admin_service.h"

#include "server/codec/time_codec.h"
#include "server/status_codec.h"

namespace portcullis::server {
namespace {

void PolicyToProto(const gate::PolicySnapshot* policy, v1::PolicyRef* proto) {
  if (policy == nullptr) return;
  proto->set_version(policy->version);
  proto->set_content_hash(policy->content_hash);
}

}  // namespace

grpc::Status AdminService::Halt(grpc::ServerContext* context,
                                const v1::HaltRequest* request,
                                v1::HaltResponse* response) {
  auto caller = guard_.Admit(*context, Method::kHalt, request->tenant());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ToGrpcStatus(gate_.Halt(request->tenant(), request->reason(),
                                 gate::CallContext{caller->name}));
}

grpc::Status AdminService::Resume(grpc::ServerContext* context,
                                  const v1::ResumeRequest* request,
                                  v1::ResumeResponse* response) {
  auto caller = guard_.Admit(*context, Method::kResume, request->tenant());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ToGrpcStatus(gate_.Resume(request->tenant(), request->reason(),
                                   gate::CallContext{caller->name}));
}

grpc::Status AdminService::Reload(grpc::ServerContext* context,
                                  const v1::ReloadRequest* request,
                                  v1::ReloadResponse* response) {
  auto caller = guard_.Admit(*context, Method::kReload, "");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (!reload_) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                        "this gate has no policy source to reload");
  }
  absl::Status s = reload_();
  if (!s.ok()) return ToGrpcStatus(s);
  PolicyToProto(gate_.policy().get(), response->mutable_policy());
  return grpc::Status::OK;
}

grpc::Status AdminService::Status(grpc::ServerContext* context,
                                  const v1::StatusRequest* request,
                                  v1::StatusResponse* response) {
  auto caller = guard_.Admit(*context, Method::kStatus, "");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  gate::GateStatus status = gate_.Status();
  PolicyToProto(status.policy.get(), response->mutable_policy());
  response->set_gate_halted(status.gate_halted.has_value());
  for (const gate::TenantStatus& t : status.tenants) {
    // An operator of some tenants sees only those.
    if (!caller->MayActFor(t.tenant)) continue;
    v1::TenantStatus* out = response->add_tenants();
    out->set_tenant(t.tenant);
    out->set_halted(t.halted.has_value());
    out->set_halt_reason(t.halted.value_or(""));
    out->set_pending(static_cast<uint32_t>(t.pending));
    out->set_ledger_sequence(t.ledger_sequence);
  }
  TimeToProto(started_at_, response->mutable_started_at());
  return grpc::Status::OK;
}

}  // namespace portcullis::server
