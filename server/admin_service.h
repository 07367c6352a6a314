// AdminService adapts the gRPC Admin service: the kill switch, reload,
// status, sealed secrets, the auditor's ledger export and the activity
// stream. Reload is the daemon's (it owns the policy source), so it is
// passed in. Thread-safe.
//
// Every method uses gRPC's callback API, so no call holds one of gRPC's
// threads while it waits (issue 15, item 6):
// - Each call but TailActivity takes a place in a per-principal cap on
//   Admin calls in flight once its caller is admitted; one more is refused
//   RESOURCE_EXHAUSTED and recorded ("access.denied") like a refusal by
//   CallGuard.
// - The calls that wait for the ledger, the secret store or a reload run
//   on a fixed set of worker threads (WorkThreads) behind a bounded queue;
//   ExportLedger streams, which also wait for their reader, on a set of
//   their own. A full queue is refused RESOURCE_EXHAUSTED.
// - Status reads memory and answers on gRPC's thread.
// - TailActivity (server/activity_stream.h) holds no thread while it
//   waits for new ledger entries.
#ifndef PORTCULLIS_SERVER_ADMIN_SERVICE_H_
#define PORTCULLIS_SERVER_ADMIN_SERVICE_H_

#include <cstddef>
#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "base/work_threads.h"
#include "gate/activity_feed.h"
#include "gate/gate.h"
#include "ledger/ledger.h"
#include "portcullis/v1/admin.grpc.pb.h"
#include "secrets/secret_store.h"
#include "server/admin_service_options.h"
#include "server/call_guard.h"
#include "server/open_call_quota.h"

namespace portcullis::server {

class AdminService final : public v1::Admin::CallbackService {
 public:
  // `gate` and `guard` must outlive the service; `reload` re-reads the
  // policy and the principals. `activity`, when given, must outlive the
  // server's calls.
  AdminService(gate::Gate& gate, const CallGuard& guard,
               std::function<absl::Status()> reload, absl::Time started_at,
               secrets::SecretStore* secrets = nullptr,
               ledger::Ledger* ledger = nullptr,
               gate::ActivityFeed* activity = nullptr,
               const AdminServiceOptions& options = {})
      : gate_(gate),
        guard_(guard),
        reload_(std::move(reload)),
        started_at_(started_at),
        secrets_(secrets),
        ledger_(ledger),
        activity_(activity),
        quota_(0, 0, options.max_calls_per_principal),
        workers_(options.call_threads, options.max_queued_calls, "gate-call"),
        exports_(options.export_threads, options.max_queued_exports,
                 "gate-export") {}

  using Unary = grpc::ServerUnaryReactor;
  using Context = grpc::CallbackServerContext;

  Unary* Halt(Context* context, const v1::HaltRequest* request,
              v1::HaltResponse* response) override;
  Unary* Resume(Context* context, const v1::ResumeRequest* request,
                v1::ResumeResponse* response) override;
  Unary* Reload(Context* context, const v1::ReloadRequest* request,
                v1::ReloadResponse* response) override;
  Unary* Status(Context* context, const v1::StatusRequest* request,
                v1::StatusResponse* response) override;
  Unary* PutSecret(Context* context, const v1::PutSecretRequest* request,
                   v1::SecretInfo* response) override;
  Unary* ListSecrets(Context* context, const v1::ListSecretsRequest* request,
                     v1::ListSecretsResponse* response) override;
  Unary* DeleteSecret(Context* context, const v1::DeleteSecretRequest* request,
                      v1::DeleteSecretResponse* response) override;
  grpc::ServerWriteReactor<ledger::v1::ExportLine>* ExportLedger(
      Context* context, const v1::ExportLedgerRequest* request) override;
  Unary* ResolveUpstreamSecret(
      Context* context, const v1::ResolveUpstreamSecretRequest* request,
      v1::ResolveUpstreamSecretResponse* response) override;
  grpc::ServerWriteReactor<v1::ActivityEvent>* TailActivity(
      Context* context, const v1::TailActivityRequest* request) override;
  Unary* RotatePayloadKey(Context* context,
                          const v1::RotatePayloadKeyRequest* request,
                          v1::RotatePayloadKeyResponse* response) override;
  Unary* DeleteTenant(Context* context, const v1::DeleteTenantRequest* request,
                      v1::DeleteTenantResponse* response) override;

  // How many Admin calls `principal` has in flight.
  size_t calls_in_flight(absl::string_view principal) const {
    return quota_.open(principal, OpenCallQuota::Kind::kAdminCall);
  }

 private:
  // Admits the caller, takes its place in the quota, then runs
  // `work(principal)` and finishes the call with the status it returns: on
  // this thread, or on a worker when `blocking`. The place is given back
  // before the call is finished.
  template <typename Work>
  Unary* Serve(Context* context, identity::Method method,
               absl::string_view tenant, bool blocking, Work work);

  gate::Gate& gate_;
  const CallGuard& guard_;
  std::function<absl::Status()> reload_;
  absl::Time started_at_;
  secrets::SecretStore* const secrets_;
  ledger::Ledger* const ledger_;
  gate::ActivityFeed* const activity_;
  OpenCallQuota quota_;
  // Last: joined before anything their work uses goes.
  WorkThreads workers_;
  WorkThreads exports_;
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_ADMIN_SERVICE_H_
