#include "server/admin_service.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/identifiers.h"
#include "codec/evidence_export.h"
#include "codec/time_codec.h"
#include "server/activity_stream.h"
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

grpc::Status Busy() {
  return grpc::Status(
      grpc::StatusCode::RESOURCE_EXHAUSTED,
      "the gate is busy: too many Admin calls are waiting; retry shortly");
}

// One ExportLedger stream: runs the export on a worker, which writes each
// line and waits for gRPC to take it before it reads the next, so a slow
// reader holds a worker (of the export workers), never one of gRPC's
// threads, and never more than one line of memory. Owns itself: deleted in
// OnDone.
class ExportStream final
    : public grpc::ServerWriteReactor<ledger::v1::ExportLine> {
 public:
  void Refuse(grpc::Status status) { Finish(std::move(status)); }

  // On a worker: the export, then the call's end. `slot` is given back
  // before the call is finished.
  void Run(const ledger::Ledger& ledger, const codec::EvidenceRange& range,
           bool decrypt, OpenCallQuota::Slot slot) {
    const ledger::PayloadKeyring* keyring =
        decrypt ? &ledger.keyring() : nullptr;
    absl::Status s = codec::ExportEvidence(
        ledger.store(), range, keyring,
        [this](const ledger::v1::ExportLine& line) { return Write(line); });
    slot = {};
    Finish(ToGrpcStatus(s));
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    ok_ = ok;
  }
  void OnDone() override { delete this; }

 private:
  // Writes `line`, then waits until gRPC has taken it (or the call is
  // over); false when the reader is gone.
  bool Write(const ledger::v1::ExportLine& line) ABSL_LOCKS_EXCLUDED(mu_) {
    {
      absl::MutexLock lock(&mu_);
      if (!ok_) return false;
      writing_ = true;
    }
    line_ = line;  // no write is outstanding
    StartWrite(&line_);
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](bool* writing) { return !*writing; }, &writing_));
    return ok_;
  }

  ledger::v1::ExportLine line_;  // the write in flight
  absl::Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool ok_ ABSL_GUARDED_BY(mu_) = true;
};

}  // namespace

template <typename Work>
grpc::ServerUnaryReactor* AdminService::Serve(Context* context,
                                              identity::Method method,
                                              absl::string_view tenant,
                                              bool blocking, Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  guard_.AdmitWithPlaceAsync(
      *context, method, tenant, quota_, OpenCallQuota::Kind::kAdminCall,
      [this, reactor, blocking, work = std::move(work)](
          absl::StatusOr<CallGuard::Admitted> admitted) mutable {
        if (!admitted.ok()) {
          reactor->Finish(ToGrpcStatus(admitted.status()));
          return;
        }
        if (!blocking) {
          grpc::Status s = work(admitted->caller);
          admitted->slot = {};
          reactor->Finish(std::move(s));
          return;
        }
        // A work not run (the queue is full) gives its slot back as it is
        // destroyed, before the refusal.
        if (!workers_.Run([reactor, work = std::move(work),
                           caller = std::move(admitted->caller),
                           slot = std::move(admitted->slot)]() mutable {
              grpc::Status s = work(caller);
              slot = {};
              reactor->Finish(std::move(s));
            })) {
          reactor->Finish(Busy());
        }
      });
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::Halt(Context* context,
                                             const v1::HaltRequest* request,
                                             v1::HaltResponse* response) {
  return Serve(
      context, identity::Method::kHalt, request->tenant(), /*blocking=*/true,
      [this, request](const identity::Principal& caller) {
        return ToGrpcStatus(gate_.Halt(request->tenant(), request->reason(),
                                       gate::CallContext{caller.name}));
      });
}

grpc::ServerUnaryReactor* AdminService::Resume(Context* context,
                                               const v1::ResumeRequest* request,
                                               v1::ResumeResponse* response) {
  return Serve(
      context, identity::Method::kResume, request->tenant(), /*blocking=*/true,
      [this, request](const identity::Principal& caller) {
        return ToGrpcStatus(gate_.Resume(request->tenant(), request->reason(),
                                         gate::CallContext{caller.name}));
      });
}

grpc::ServerUnaryReactor* AdminService::Reload(Context* context,
                                               const v1::ReloadRequest* request,
                                               v1::ReloadResponse* response) {
  return Serve(
      context, identity::Method::kReload, "", /*blocking=*/true,
      [this, response](const identity::Principal&) {
        if (!reload_) {
          return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                              "this gate has no policy source to reload");
        }
        absl::Status s = reload_();
        if (!s.ok()) return ToGrpcStatus(s);
        PolicyToProto(gate_.policy().get(), response->mutable_policy());
        return grpc::Status::OK;
      });
}

grpc::ServerUnaryReactor* AdminService::Status(Context* context,
                                               const v1::StatusRequest* request,
                                               v1::StatusResponse* response) {
  // Reads memory: answered on gRPC's thread.
  return Serve(context, identity::Method::kStatus, "", /*blocking=*/false,
               [this, response](const identity::Principal& caller) {
                 StatusResponseFrom(gate_.Status(), caller, started_at_,
                                    response);
                 return grpc::Status::OK;
               });
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
  codec::TimeToProto(info.updated_at, out->mutable_updated_at());
}

}  // namespace

grpc::ServerUnaryReactor* AdminService::PutSecret(
    Context* context, const v1::PutSecretRequest* request,
    v1::SecretInfo* response) {
  return Serve(
      context, identity::Method::kPutSecret, request->tenant(),
      /*blocking=*/true,
      [this, request, response](const identity::Principal& caller) {
        if (absl::Status s = ValidTenant(request->tenant()); !s.ok()) {
          return ToGrpcStatus(s);
        }
        if (secrets_ == nullptr) return NoSecretStore();
        if (gate_.policy() == nullptr ||
            !gate_.policy()->program->HasTenant(request->tenant())) {
          return grpc::Status(grpc::StatusCode::NOT_FOUND,
                              "tenant \"" + request->tenant() +
                                  "\" is not in the policy in force");
        }
        // The value goes straight into secure memory; the request's copy
        // is the transport's.
        crypto::SecureBytes value =
            crypto::SecureBytes::CopyOf(request->value());
        // Recorded, then applied: a change the ledger cannot take is not
        // made.
        auto record = [&](const secrets::SecretInfo& change) {
          return gate_.RecordSecretChange(
              request->tenant(),
              request->rotate() ? gate::kSecretRotated : gate::kSecretPut,
              {change.name, change.version, caller.name});
        };
        absl::StatusOr<secrets::SecretInfo> info =
            request->rotate() ? secrets_->Rotate(request->tenant(),
                                                 request->name(), value, record)
                              : secrets_->Put(request->tenant(),
                                              request->name(), value, record);
        if (!info.ok()) return ToGrpcStatus(info.status());
        InfoToProto(*info, response);
        return grpc::Status::OK;
      });
}

grpc::ServerUnaryReactor* AdminService::ListSecrets(
    Context* context, const v1::ListSecretsRequest* request,
    v1::ListSecretsResponse* response) {
  return Serve(context, identity::Method::kListSecrets, request->tenant(),
               /*blocking=*/true,
               [this, request, response](const identity::Principal&) {
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
               });
}

grpc::ServerUnaryReactor* AdminService::DeleteSecret(
    Context* context, const v1::DeleteSecretRequest* request,
    v1::DeleteSecretResponse* response) {
  return Serve(context, identity::Method::kDeleteSecret, request->tenant(),
               /*blocking=*/true,
               [this, request](const identity::Principal& caller) {
                 if (absl::Status s = ValidTenant(request->tenant()); !s.ok()) {
                   return ToGrpcStatus(s);
                 }
                 if (secrets_ == nullptr) return NoSecretStore();
                 // Recorded, then applied, as PutSecret.
                 return ToGrpcStatus(secrets_->Delete(
                     request->tenant(), request->name(),
                     [&](const secrets::SecretInfo& change) {
                       return gate_.RecordSecretChange(
                           request->tenant(), gate::kSecretDeleted,
                           {change.name, change.version, caller.name});
                     }));
               });
}

grpc::ServerWriteReactor<ledger::v1::ExportLine>* AdminService::ExportLedger(
    Context* context, const v1::ExportLedgerRequest* request) {
  auto* stream = new ExportStream();
  // An export names one tenant: validated before it reaches the guard's
  // records or a storage key.
  if (absl::Status s = ValidateTenantId(request->tenant()); !s.ok()) {
    stream->Refuse(ToGrpcStatus(s));
    return stream;
  }
  guard_.AdmitWithPlaceAsync(
      *context, identity::Method::kExportLedger, request->tenant(), quota_,
      OpenCallQuota::Kind::kAdminCall,
      [this, stream, request](absl::StatusOr<CallGuard::Admitted> admitted) {
        if (!admitted.ok()) {
          stream->Refuse(ToGrpcStatus(admitted.status()));
          return;
        }
        OpenCallQuota::Slot slot = std::move(admitted->slot);
        if (ledger_ == nullptr) {
          slot = {};
          stream->Refuse(
              grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                           "this gate does not serve ledger exports"));
          return;
        }
        codec::EvidenceRange range{request->tenant(), request->from_sequence(),
                                   request->to_sequence()};
        if (!exports_.Run([this, stream, range = std::move(range),
                           decrypt = request->decrypt(),
                           slot = std::move(slot)]() mutable {
              // A checkpoint at every head first, so that the export
              // proves every entry recorded so far. Without a key (or when
              // the store fails) it proves what the last checkpoint does.
              ledger_->SignCheckpoints(/*force=*/true).IgnoreError();
              stream->Run(*ledger_, range, decrypt, std::move(slot));
            })) {
          stream->Refuse(Busy());
        }
      });
  return stream;
}

// Issue 17: only secrets named for upstream injection leave the gate, only
// to a gateway principal, and the release is on the ledger before the value
// is sent.
grpc::ServerUnaryReactor* AdminService::ResolveUpstreamSecret(
    Context* context, const v1::ResolveUpstreamSecretRequest* request,
    v1::ResolveUpstreamSecretResponse* response) {
  return Serve(
      context, identity::Method::kResolveUpstreamSecret, request->tenant(),
      /*blocking=*/true,
      [this, request, response](const identity::Principal& caller) {
        if (absl::Status s = ValidTenant(request->tenant()); !s.ok()) {
          return ToGrpcStatus(s);
        }
        if (absl::Status s = secrets::ValidateSecretName(request->name());
            !s.ok()) {
          return ToGrpcStatus(s);
        }
        if (!absl::StartsWith(request->name(),
                              secrets::kUpstreamSecretPrefix)) {
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
                                     {request->name(), version, caller.name});
        if (!recorded.ok()) return ToGrpcStatus(recorded);
        response->set_value(std::string(value->view()));
        response->set_version(version);
        return grpc::Status::OK;
      });
}

// Issue 18: the activity stream. The stream owns itself (deleted in its
// OnDone); its cap is the feed's (activity.maxStreamsPerPrincipal).
grpc::ServerWriteReactor<v1::ActivityEvent>* AdminService::TailActivity(
    Context* context, const v1::TailActivityRequest* request) {
  return new ActivityStream(*context, *request, guard_, activity_);
}

namespace {

// Validated before it reaches the guard's records or a storage key:
// finishes `context`'s call with the error and returns null when `tenant`
// is malformed.
grpc::ServerUnaryReactor* RefuseMalformedTenant(
    grpc::CallbackServerContext* context, absl::string_view tenant) {
  absl::Status s = ValidateTenantId(tenant);
  if (s.ok()) return nullptr;
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(s));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* AdminService::RotatePayloadKey(
    Context* context, const v1::RotatePayloadKeyRequest* request,
    v1::RotatePayloadKeyResponse* response) {
  if (auto* refused = RefuseMalformedTenant(context, request->tenant())) {
    return refused;
  }
  return Serve(context, identity::Method::kRotatePayloadKey, request->tenant(),
               /*blocking=*/true,
               [this, request, response](const identity::Principal& caller) {
                 if (ledger_ == nullptr) {
                   return grpc::Status(
                       grpc::StatusCode::UNIMPLEMENTED,
                       "this gate does not rotate payload keys");
                 }
                 if (!PolicyDeclares(gate_, request->tenant())) {
                   return ToGrpcStatus(absl::NotFoundError(absl::StrCat(
                       "the policy declares no tenant ", request->tenant())));
                 }
                 // Recorded in the batch that stores the new key (record, then
                 // apply): on the tenant's chain, sealed with the new key, who
                 // rotated, to what.
                 absl::StatusOr<uint32_t> version = ledger_->RotatePayloadKey(
                     request->tenant(), [&](uint32_t new_version) {
                       return ledger::KeyRotationRecord(
                           request->tenant(), new_version, gate_.clock().Now(),
                           ledger::KeyRotationTrigger::kAdmin, caller.name);
                     });
                 if (!version.ok()) return ToGrpcStatus(version.status());
                 response->set_key_version(*version);
                 return grpc::Status::OK;
               });
}

grpc::ServerUnaryReactor* AdminService::DeleteTenant(
    Context* context, const v1::DeleteTenantRequest* request,
    v1::DeleteTenantResponse* response) {
  if (auto* refused = RefuseMalformedTenant(context, request->tenant())) {
    return refused;
  }
  return Serve(
      context, identity::Method::kDeleteTenant, request->tenant(),
      /*blocking=*/true, [this, request](const identity::Principal&) {
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
      });
}

}  // namespace portcullis::server
