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
  return ToGrpcStatus(
      gate_.Halt(request->tenant(), request->reason(), gate::CallContext{}));
}

grpc::Status AdminService::Resume(grpc::ServerContext* context,
                                  const v1::ResumeRequest* request,
                                  v1::ResumeResponse* response) {
  return ToGrpcStatus(
      gate_.Resume(request->tenant(), request->reason(), gate::CallContext{}));
}

grpc::Status AdminService::Reload(grpc::ServerContext* context,
                                  const v1::ReloadRequest* request,
                                  v1::ReloadResponse* response) {
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
  gate::GateStatus status = gate_.Status();
  PolicyToProto(status.policy.get(), response->mutable_policy());
  response->set_gate_halted(status.gate_halted.has_value());
  for (const gate::TenantStatus& t : status.tenants) {
    v1::TenantStatus* out = response->add_tenants();
    out->set_tenant(t.tenant);
    out->set_halted(t.halted.has_value());
    out->set_halt_reason(t.halted.value_or(""));
    out->set_pending(static_cast<uint32_t>(t.pending));
    out->set_ledger_sequence(t.ledger_sequence);
  }
  TimeToProto(started_at_, response->mutable_started_at());
  if (status.shadow.candidate != nullptr) {  // shadow mode (issue 7)
    v1::ShadowStatus* shadow = response->mutable_shadow();
    PolicyToProto(status.shadow.candidate.get(), shadow->mutable_candidate());
    shadow->set_decided(status.shadow.decided);
    shadow->set_differed(status.shadow.differed);
  }
  return grpc::Status::OK;
}

}  // namespace portcullis::server
