// AdminService adapts the gRPC Admin service: the kill switch, reload,
// status, sealed secrets, the auditor's ledger export and the activity
// stream. Reload is the daemon's (it owns the policy source), so it is
// passed in. Thread-safe.
//
// TailActivity uses gRPC's callback API (server/activity_stream.h): a
// stream that waits for new ledger entries holds no thread. The other
// methods are synchronous.
#ifndef PORTCULLIS_SERVER_ADMIN_SERVICE_H_
#define PORTCULLIS_SERVER_ADMIN_SERVICE_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gate/activity_feed.h"
#include "gate/gate.h"
#include "ledger/ledger.h"
#include "portcullis/v1/admin.grpc.pb.h"
#include "secrets/secret_store.h"
#include "server/call_guard.h"

namespace portcullis::server {

class AdminService final
    : public v1::Admin::WithCallbackMethod_TailActivity<v1::Admin::Service> {
 public:
  // `gate` and `guard` must outlive the service; `reload` re-reads the
  // policy and the principals. `activity`, when given, must outlive the
  // server's calls.
  AdminService(gate::Gate& gate, const CallGuard& guard,
               std::function<absl::Status()> reload, absl::Time started_at,
               secrets::SecretStore* secrets = nullptr,
               ledger::Ledger* ledger = nullptr,
               gate::ActivityFeed* activity = nullptr)
      : gate_(gate),
        guard_(guard),
        reload_(std::move(reload)),
        started_at_(started_at),
        secrets_(secrets),
        ledger_(ledger),
        activity_(activity) {}

  grpc::Status Halt(grpc::ServerContext* context,
                    const v1::HaltRequest* request,
                    v1::HaltResponse* response) override;
  grpc::Status Resume(grpc::ServerContext* context,
                      const v1::ResumeRequest* request,
                      v1::ResumeResponse* response) override;
  grpc::Status Reload(grpc::ServerContext* context,
                      const v1::ReloadRequest* request,
                      v1::ReloadResponse* response) override;
  grpc::Status Status(grpc::ServerContext* context,
                      const v1::StatusRequest* request,
                      v1::StatusResponse* response) override;
  grpc::Status PutSecret(grpc::ServerContext* context,
                         const v1::PutSecretRequest* request,
                         v1::SecretInfo* response) override;
  grpc::Status ListSecrets(grpc::ServerContext* context,
                           const v1::ListSecretsRequest* request,
                           v1::ListSecretsResponse* response) override;
  grpc::Status DeleteSecret(grpc::ServerContext* context,
                            const v1::DeleteSecretRequest* request,
                            v1::DeleteSecretResponse* response) override;
  grpc::Status ExportLedger(
      grpc::ServerContext* context, const v1::ExportLedgerRequest* request,
      grpc::ServerWriter<ledger::v1::ExportLine>* writer) override;
  grpc::Status ResolveUpstreamSecret(
      grpc::ServerContext* context,
      const v1::ResolveUpstreamSecretRequest* request,
      v1::ResolveUpstreamSecretResponse* response) override;
  grpc::ServerWriteReactor<v1::ActivityEvent>* TailActivity(
      grpc::CallbackServerContext* context,
      const v1::TailActivityRequest* request) override;
  grpc::Status RotatePayloadKey(
      grpc::ServerContext* context, const v1::RotatePayloadKeyRequest* request,
      v1::RotatePayloadKeyResponse* response) override;
  grpc::Status DeleteTenant(grpc::ServerContext* context,
                            const v1::DeleteTenantRequest* request,
                            v1::DeleteTenantResponse* response) override;

 private:
  gate::Gate& gate_;
  const CallGuard& guard_;
  std::function<absl::Status()> reload_;
  absl::Time started_at_;
  secrets::SecretStore* const secrets_;
  ledger::Ledger* const ledger_;
  gate::ActivityFeed* const activity_;
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_ADMIN_SERVICE_H_
