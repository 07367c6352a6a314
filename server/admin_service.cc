#include "server/admin_service.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "server/activity_stream.h"
#include "server/codec/evidence_export.h"
#include "server/codec/time_codec.h"
#include "server/status_codec.h"
#include "server/status_response.h"

namespace portcullis::server {
namespace {

void PolicyToProto(const gate::PolicySnapshot* policy, v1::PolicyRef* proto) {
  if (policy == nullptr) return;
  proto->set_version(policy->version);
  proto->set_content_hash(policy->content_hash);
}

// Whether the policy in force declares `tenant`.
bool PolicyDeclares(gate::Gate& gate, absl::string_view tenant) {
  for (const gate::TenantStatus& t : gate.Status().tenants) {
    if (t.tenant == tenant) return true;
  }
  return false;
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
  StatusResponseFrom(gate_.Status(), *caller, started_at_, response);
  return grpc::Status::OK;
}

namespace {

grpc::Status NoSecretStore() {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                      "this gate has no secret store");
}

// The tenant of a secrets call, checked before it reaches a message or a
// key: a tenant id (1-63 of [a-z0-9-_]), so it is short and plain.
absl::Status ValidTenant(absl::string_view tenant) {
  if (absl::Status s = ValidateTenantId(tenant); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("tenant: ", s.message()));
  }
  return absl::OkStatus();
}

void InfoToProto(const secrets::SecretInfo& info, v1::SecretInfo* out) {
  out->set_name(info.name);
  out->set_version(info.version);
  TimeToProto(info.updated_at, out->mutable_updated_at());
}

}  // namespace

grpc::Status AdminService::PutSecret(grpc::ServerContext* context,
                                     const v1::PutSecretRequest* request,
                                     v1::SecretInfo* response) {
  auto caller = guard_.Admit(*context, Method::kPutSecret, request->tenant());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status s = ValidTenant(request->tenant()); !s.ok()) {
    return ToGrpcStatus(s);
  }
  if (secrets_ == nullptr) return NoSecretStore();
  if (gate_.policy() == nullptr ||
      !gate_.policy()->program->HasTenant(request->tenant())) {
    return grpc::Status(
        grpc::StatusCode::NOT_FOUND,
        "tenant \"" + request->tenant() + "\" is not in the policy in force");
  }
  // The value goes straight into secure memory; the request's copy is
  // the transport's.
  crypto::SecureBytes value = crypto::SecureBytes::CopyOf(request->value());
  absl::StatusOr<secrets::SecretInfo> info =
      request->rotate()
          ? secrets_->Rotate(request->tenant(), request->name(), value)
          : secrets_->Put(request->tenant(), request->name(), value);
  if (!info.ok()) return ToGrpcStatus(info.status());
  absl::Status recorded = gate_.RecordSecretChange(
      request->tenant(),
      request->rotate() ? gate::kSecretRotated : gate::kSecretPut,
      {info->name, info->version, caller->name});
  if (!recorded.ok()) return ToGrpcStatus(recorded);
  InfoToProto(*info, response);
  return grpc::Status::OK;
}

grpc::Status AdminService::ListSecrets(grpc::ServerContext* context,
                                       const v1::ListSecretsRequest* request,
                                       v1::ListSecretsResponse* response) {
  auto caller = guard_.Admit(*context, Method::kListSecrets, request->tenant());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status s = ValidTenant(request->tenant()); !s.ok()) {
    return ToGrpcStatus(s);
  }
  if (secrets_ == nullptr) return NoSecretStore();
  auto list = secrets_->List(request->tenant());
  if (!list.ok()) return ToGrpcStatus(list.status());
  for (const secrets::SecretInfo& info : *list) {
    InfoToProto(info, response->add_secrets());
  }
  return grpc::Status::OK;
}

grpc::Status AdminService::DeleteSecret(grpc::ServerContext* context,
                                        const v1::DeleteSecretRequest* request,
                                        v1::DeleteSecretResponse* response) {
  auto caller =
      guard_.Admit(*context, Method::kDeleteSecret, request->tenant());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status s = ValidTenant(request->tenant()); !s.ok()) {
    return ToGrpcStatus(s);
  }
  if (secrets_ == nullptr) return NoSecretStore();
  absl::Status deleted = secrets_->Delete(request->tenant(), request->name());
  if (!deleted.ok()) return ToGrpcStatus(deleted);
  return ToGrpcStatus(
      gate_.RecordSecretChange(request->tenant(), gate::kSecretDeleted,
                               {request->name(), 0, caller->name}));
}

grpc::Status AdminService::ExportLedger(
    grpc::ServerContext* context, const v1::ExportLedgerRequest* request,
    grpc::ServerWriter<ledger::v1::ExportLine>* writer) {
  // An export names one tenant: validated before it reaches the guard's
  // records or a storage key.
  if (absl::Status s = ValidateTenantId(request->tenant()); !s.ok()) {
    return ToGrpcStatus(s);
  }
  auto caller =
      guard_.Admit(*context, Method::kExportLedger, request->tenant());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (ledger_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                        "this gate does not serve ledger exports");
  }
  EvidenceRange range{request->tenant(), request->from_sequence(),
                      request->to_sequence()};
  const ledger::PayloadKeyring* keyring =
      request->decrypt() ? &ledger_->keyring() : nullptr;
  absl::Status s =
      ExportEvidence(ledger_->store(), range, keyring,
                     [&](const ledger::v1::ExportLine& line) {
                       return !context->IsCancelled() && writer->Write(line);
                     });
  return ToGrpcStatus(s);
}

// Issue 17: only secrets named for upstream injection leave the gate, only
// to a gateway principal, and the release is on the ledger before the value
// is sent.
grpc::Status AdminService::ResolveUpstreamSecret(
    grpc::ServerContext* context,
    const v1::ResolveUpstreamSecretRequest* request,
    v1::ResolveUpstreamSecretResponse* response) {
  auto caller =
      guard_.Admit(*context, Method::kResolveUpstreamSecret, request->tenant());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status s = ValidTenant(request->tenant()); !s.ok()) {
    return ToGrpcStatus(s);
  }
  if (absl::Status s = secrets::ValidateSecretName(request->name()); !s.ok()) {
    return ToGrpcStatus(s);
  }
  if (!absl::StartsWith(request->name(), secrets::kUpstreamSecretPrefix)) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        "secret \"" + request->name() +
                            "\" is not released to gateways: only "
                            "secrets named \"upstream.*\" are");
  }
  if (secrets_ == nullptr) return NoSecretStore();
  auto listed = secrets_->List(request->tenant());
  if (!listed.ok()) return ToGrpcStatus(listed.status());
  absl::StatusOr<crypto::SecureBytes> value =
      secrets_->Resolve(request->tenant(), request->name());
  if (!value.ok()) return ToGrpcStatus(value.status());
  uint32_t version = 0;
  for (const secrets::SecretInfo& info : *listed) {
    if (info.name == request->name()) version = info.version;
  }
  absl::Status recorded =
      gate_.RecordSecretChange(request->tenant(), gate::kSecretReleased,
                               {request->name(), version, caller->name});
  if (!recorded.ok()) return ToGrpcStatus(recorded);
  response->set_value(std::string(value->view()));
  response->set_version(version);
  return grpc::Status::OK;
}

// Issue 18: the activity stream. The stream owns itself (deleted in its
// OnDone).
grpc::ServerWriteReactor<v1::ActivityEvent>* AdminService::TailActivity(
    grpc::CallbackServerContext* context,
    const v1::TailActivityRequest* request) {
  return new ActivityStream(*context, *request, guard_, activity_);
}

grpc::Status AdminService::RotatePayloadKey(
    grpc::ServerContext* context, const v1::RotatePayloadKeyRequest* request,
    v1::RotatePayloadKeyResponse* response) {
  // Validated before it reaches the guard's records or a storage key.
  if (absl::Status s = ValidateTenantId(request->tenant()); !s.ok()) {
    return ToGrpcStatus(s);
  }
  auto caller =
      guard_.Admit(*context, Method::kRotatePayloadKey, request->tenant());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (ledger_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                        "this gate does not rotate payload keys");
  }
  if (!PolicyDeclares(gate_, request->tenant())) {
    return ToGrpcStatus(absl::NotFoundError(
        absl::StrCat("the policy declares no tenant ", request->tenant())));
  }
  absl::StatusOr<uint32_t> version =
      ledger_->RotatePayloadKey(request->tenant());
  if (!version.ok()) return ToGrpcStatus(version.status());
  // On the tenant's chain, sealed with the new key: who rotated, to what.
  ledger::EntryDraft record;
  record.tenant = request->tenant();
  record.kind = "ledger.key_rotated";
  record.time = gate_.clock().Now();
  record.index_latest = true;
  record.payload = absl::StrCat("{\"keyVersion\":", *version,
                                ",\"principal\":\"", caller->name, "\"}");
  auto appended = ledger_->Append({std::move(record)});
  if (!appended.ok()) return ToGrpcStatus(appended.status());
  response->set_key_version(*version);
  return grpc::Status::OK;
}

grpc::Status AdminService::DeleteTenant(grpc::ServerContext* context,
                                        const v1::DeleteTenantRequest* request,
                                        v1::DeleteTenantResponse* response) {
  if (absl::Status s = ValidateTenantId(request->tenant()); !s.ok()) {
    return ToGrpcStatus(s);
  }
  auto caller =
      guard_.Admit(*context, Method::kDeleteTenant, request->tenant());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (ledger_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                        "this gate does not delete tenants");
  }
  if (!request->confirm()) {
    return ToGrpcStatus(absl::FailedPreconditionError(
        absl::StrCat("deleting tenant ", request->tenant(),
                     " cannot be undone; set confirm")));
  }
  gate::GateStatus status = gate_.Status();
  bool halted = status.gate_halted.has_value();
  for (const gate::TenantStatus& t : status.tenants) {
    if (t.tenant == request->tenant()) halted |= t.halted.has_value();
  }
  if (!halted) {
    return ToGrpcStatus(absl::FailedPreconditionError(
        absl::StrCat("halt tenant ", request->tenant(),
                     " first, so that none of its calls is in flight")));
  }
  return ToGrpcStatus(ledger_->DeleteTenant(request->tenant()));
}

}  // namespace portcullis::server
