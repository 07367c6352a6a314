#include "server/status_response.h"

#include "codec/time_codec.h"
#include "server/status_codec.h"

namespace portcullis::server {
namespace {

void PolicyToProto(const gate::PolicySnapshot* policy, v1::PolicyRef* proto) {
  if (policy == nullptr) return;
  proto->set_version(policy->version);
  proto->set_content_hash(policy->content_hash);
}

void ReloadToProto(const gate::PolicyReloadAttempt& attempt,
                   v1::PolicyReloadAttempt* out) {
  codec::TimeToProto(attempt.time, out->mutable_time());
  out->set_ok(attempt.result.ok());
  // Loader errors name files and may come from the file system: bounded,
  // and no directory (the data directory's included) reaches the page.
  out->set_error(OperatorMessage(attempt.result));
  out->set_content_hash(attempt.content_hash);
}

}  // namespace

void StatusResponseFrom(const gate::GateStatus& status,
                        const identity::Principal& caller,
                        absl::Time started_at, v1::StatusResponse* out) {
  PolicyToProto(status.policy.get(), out->mutable_policy());
  out->set_gate_halted(status.gate_halted.has_value());
  for (const gate::TenantStatus& t : status.tenants) {
    // An operator of some tenants sees only those.
    if (!caller.MayActFor(t.tenant)) continue;
    v1::TenantStatus* tenant = out->add_tenants();
    tenant->set_tenant(t.tenant);
    tenant->set_halted(t.halted.has_value());
    tenant->set_halt_reason(t.halted.value_or(""));
    tenant->set_pending(static_cast<uint32_t>(t.pending));
    tenant->set_ledger_sequence(t.ledger_sequence);
  }
  codec::TimeToProto(started_at, out->mutable_started_at());
  if (status.shadow.candidate != nullptr) {  // shadow mode (issue 7)
    v1::ShadowStatus* shadow = out->mutable_shadow();
    PolicyToProto(status.shadow.candidate.get(), shadow->mutable_candidate());
    shadow->set_decided(status.shadow.decided);
    shadow->set_differed(status.shadow.differed);
  }
  if (status.last_reload.has_value()) {  // issue 19
    ReloadToProto(*status.last_reload, out->mutable_last_reload());
  }
}

}  // namespace portcullis::server
