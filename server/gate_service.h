// GateService adapts the gRPC Gate service to gate::Gate: it admits the
// caller (CallGuard), translates requests to domain values, delegates, and
// translates the answers back. It decides nothing itself. Thread-safe
// (gate::Gate is).
//
// Every method uses gRPC's callback API, so no call holds a thread while
// it waits (issue 15, item 6):
// - Evaluate: the ledger's commit thread finishes the call once the
//   decision is durable.
// - AwaitDecision (DecisionWait) and WatchPending (PendingStream) hold no
//   thread while open; each principal may hold a bounded number of them
//   (GateServiceOptions), more are refused RESOURCE_EXHAUSTED and
//   recorded ("access.denied").
// - Approve, Execute and ReportOutcome, which wait for the ledger (and
//   Execute for a tool), run on a fixed set of worker threads
//   (WorkThreads) behind a bounded queue; a full queue is refused
//   RESOURCE_EXHAUSTED.
// - ListPending and ListTools read memory and answer on gRPC's thread.
#ifndef PORTCULLIS_SERVER_GATE_SERVICE_H_
#define PORTCULLIS_SERVER_GATE_SERVICE_H_

#include <cstddef>

#include "absl/time/time.h"
#include "base/work_threads.h"
#include "gate/gate.h"
#include "portcullis/v1/gate.grpc.pb.h"
#include "server/admission.h"
#include "server/call_guard.h"
#include "server/gate_service_options.h"
#include "server/open_call_quota.h"

namespace portcullis::server {

class GateService final : public v1::Gate::CallbackService {
 public:
  // The longest AwaitDecision waits when the caller sets neither a
  // deadline nor max_wait.
  static constexpr absl::Duration kMaxAwait = absl::Hours(1);
  // The longest an Approve waits for the replica that holds its request
  // (GateServiceOptions::relay).
  static constexpr absl::Duration kMaxRelayWait = absl::Seconds(10);

  // All must outlive the service. Evaluate takes a place in `admission`
  // first, and is refused without one (server/admission.h); null admits
  // every call.
  GateService(gate::Gate& gate, const CallGuard& guard,
              const GateServiceOptions& options = {},
              Admission* admission = nullptr)
      : gate_(gate),
        guard_(guard),
        admission_(admission),
        options_(options),
        quota_(options.max_waits_per_principal,
               options.max_streams_per_principal),
        workers_(options.call_threads, options.max_queued_calls, "gate-call") {}

  grpc::ServerUnaryReactor* Evaluate(grpc::CallbackServerContext* context,
                                     const v1::EvaluateRequest* request,
                                     v1::EvaluateResponse* response) override;
  grpc::ServerUnaryReactor* AwaitDecision(
      grpc::CallbackServerContext* context,
      const v1::AwaitDecisionRequest* request,
      v1::AwaitDecisionResponse* response) override;
  grpc::ServerUnaryReactor* ListPending(
      grpc::CallbackServerContext* context,
      const v1::ListPendingRequest* request,
      v1::ListPendingResponse* response) override;
  grpc::ServerWriteReactor<v1::PendingEvent>* WatchPending(
      grpc::CallbackServerContext* context,
      const v1::WatchPendingRequest* request) override;
  grpc::ServerUnaryReactor* Approve(grpc::CallbackServerContext* context,
                                    const v1::ApproveRequest* request,
                                    v1::ApproveResponse* response) override;
  grpc::ServerUnaryReactor* Execute(grpc::CallbackServerContext* context,
                                    const v1::ExecuteRequest* request,
                                    v1::ExecuteResponse* response) override;
  grpc::ServerUnaryReactor* ReportOutcome(
      grpc::CallbackServerContext* context,
      const v1::ReportOutcomeRequest* request,
      v1::ReportOutcomeResponse* response) override;
  grpc::ServerUnaryReactor* ListTools(grpc::CallbackServerContext* context,
                                      const v1::ListToolsRequest* request,
                                      v1::ListToolsResponse* response) override;
  // Standing approvals (issue 21).
  grpc::ServerUnaryReactor* GrantStanding(
      grpc::CallbackServerContext* context,
      const v1::GrantStandingRequest* request,
      v1::GrantStandingResponse* response) override;
  grpc::ServerUnaryReactor* RevokeStanding(
      grpc::CallbackServerContext* context,
      const v1::RevokeStandingRequest* request,
      v1::RevokeStandingResponse* response) override;
  grpc::ServerUnaryReactor* ListStanding(
      grpc::CallbackServerContext* context,
      const v1::ListStandingRequest* request,
      v1::ListStandingResponse* response) override;

  // How many AwaitDecision calls and WatchPending streams `principal`
  // holds open.
  size_t open_waits(absl::string_view principal) const {
    return quota_.open(principal, OpenCallQuota::Kind::kWait);
  }
  size_t open_streams(absl::string_view principal) const {
    return quota_.open(principal, OpenCallQuota::Kind::kStream);
  }

 private:
  // Evaluate once the caller is admitted; finishes `reactor`, then gives
  // `ticket`'s place back.
  void EvaluateAdmitted(const identity::Principal& caller, absl::Time deadline,
                        const v1::EvaluateRequest& request,
                        v1::EvaluateResponse* response,
                        grpc::ServerUnaryReactor* reactor,
                        Admission::Ticket ticket);
  // Admits the caller, then runs `work(principal)` and finishes the call
  // with the status it returns: on this thread, or on a worker when
  // `blocking` (it waits for the ledger).
  template <typename Work>
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context,
                                  identity::Method method,
                                  absl::string_view tenant,
                                  absl::string_view agent, bool blocking,
                                  Work work);
  // Runs `work` on a worker, which finishes `reactor`; or finishes it with
  // RESOURCE_EXHAUSTED when too many calls wait for a worker.
  void OnWorker(grpc::ServerUnaryReactor* reactor, WorkThreads::Work work);
  grpc::Status ExecuteAdmitted(const identity::Principal& caller,
                               const v1::ExecuteRequest& request,
                               const policy::Action& action,
                               v1::ExecuteResponse* response);

  gate::Gate& gate_;
  const CallGuard& guard_;
  Admission* const admission_;
  const GateServiceOptions options_;
  OpenCallQuota quota_;
  WorkThreads workers_;  // last: joined before anything it uses goes
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_GATE_SERVICE_H_
