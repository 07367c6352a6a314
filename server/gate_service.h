// GateService adapts the gRPC Gate service to gate::Gate: it admits the
// caller (CallGuard), translates requests to domain values, delegates, and
// translates the answers back. It decides nothing itself. Thread-safe
// (gate::Gate is).
//
// Evaluate, the hot path, uses gRPC's callback API: no thread waits while
// the decision is written to the ledger; the ledger's commit thread
// finishes the call once it is durable. The other methods are synchronous.
#ifndef PORTCULLIS_SERVER_GATE_SERVICE_H_
#define PORTCULLIS_SERVER_GATE_SERVICE_H_

#include "absl/time/time.h"
#include "gate/gate.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "server/admission.h"
#include "server/call_guard.h"

namespace portcullis::server {

class GateService final
    : public v1::Gate::WithCallbackMethod_Evaluate<v1::Gate::Service> {
 public:
  // The longest AwaitDecision waits when the caller sets neither a
  // deadline nor max_wait.
  static constexpr absl::Duration kMaxAwait = absl::Hours(1);

  // All must outlive the service. Evaluate takes a place in `admission`
  // first, and is refused without one (server/admission.h); null admits
  // every call.
  GateService(gate::Gate& gate, const CallGuard& guard,
              Admission* admission = nullptr)
      : gate_(gate), guard_(guard), admission_(admission) {}

  grpc::ServerUnaryReactor* Evaluate(grpc::CallbackServerContext* context,
                                     const v1::EvaluateRequest* request,
                                     v1::EvaluateResponse* response) override;
  grpc::Status AwaitDecision(grpc::ServerContext* context,
                             const v1::AwaitDecisionRequest* request,
                             v1::AwaitDecisionResponse* response) override;
  grpc::Status ListPending(grpc::ServerContext* context,
                           const v1::ListPendingRequest* request,
                           v1::ListPendingResponse* response) override;
  grpc::Status WatchPending(
      grpc::ServerContext* context, const v1::WatchPendingRequest* request,
      grpc::ServerWriter<v1::PendingEvent>* writer) override;
  grpc::Status Approve(grpc::ServerContext* context,
                       const v1::ApproveRequest* request,
                       v1::ApproveResponse* response) override;
  grpc::Status Execute(grpc::ServerContext* context,
                       const v1::ExecuteRequest* request,
                       v1::ExecuteResponse* response) override;
  grpc::Status ReportOutcome(grpc::ServerContext* context,
                             const v1::ReportOutcomeRequest* request,
                             v1::ReportOutcomeResponse* response) override;
  grpc::Status ListTools(grpc::ServerContext* context,
                         const v1::ListToolsRequest* request,
                         v1::ListToolsResponse* response) override;

 private:
  // Evaluate once the caller is admitted; finishes `reactor`, then gives
  // `ticket`'s place back.
  void EvaluateAdmitted(const Principal& caller, absl::Time deadline,
                        const v1::EvaluateRequest& request,
                        v1::EvaluateResponse* response,
                        grpc::ServerUnaryReactor* reactor,
                        Admission::Ticket ticket);

  gate::Gate& gate_;
  const CallGuard& guard_;
  Admission* const admission_;
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_GATE_SERVICE_H_
