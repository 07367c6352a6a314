// ConsoleApi answers the approval console's JSON API (docs/console.md):
// the Gate and Admin calls an approver or an operator makes from a
// browser, in protobuf's JSON mapping of the same messages. Like the gRPC
// services it translates and delegates: the caller is admitted by the same
// CallGuard (bearer token → principal, role, tenant; refusals recorded on
// the ledger as on gRPC) and the work is gate::Gate's. Thread-safe.
//
//   GET  /me                                the caller's name, roles, tenants
//   GET  /tenants/{tenant}/pending          ListPendingResponse (approver)
//   GET  /tenants/{tenant}/pending/{id}     PendingApproval     (approver)
//   GET  /tenants/{tenant}/events           PendingEvent stream (approver),
//                                           Server-Sent Events, bounded
//   POST /approve       ApproveRequest   →  ApproveResponse     (approver)
//   GET  /status                            StatusResponse      (operator)
//   POST /halt          HaltRequest      →  HaltResponse        (operator)
//   POST /resume        ResumeRequest    →  ResumeResponse      (operator)
//   GET  /activity                          ActivityEvent stream of every
//   GET  /tenants/{tenant}/activity         tenant the caller may see, or of
//                                           one (operator or auditor), SSE
//   GET  /ledger                            ledger health per tenant
//                                           (operator)
//   GET  /connectors                        executions by connector and
//                                           result, and each configured
//                                           connector's health (operator)
//   GET  /tenants/{tenant}/agents/{agent}/decisions
//                                           the agent's recent decisions
//                                           (approver, operator, auditor)
//
// Errors are {"code": "PERMISSION_DENIED", "message": "..."} with the HTTP
// status of the code (401, 403, 404, 400, 409, 429, 503, 500).
//
// The two event streams (events, activity) are in console_streams.cc.
#ifndef PORTCULLIS_SERVER_CONSOLE_API_H_
#define PORTCULLIS_SERVER_CONSOLE_API_H_

#include <atomic>
#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "codec/proto_json.h"
#include "gate/activity_feed.h"
#include "gate/gate.h"
#include "gate/records.h"
#include "http/operator_server.h"
#include "ledger/ledger.h"
#include "server/approval_relay.h"
#include "server/call_guard.h"
#include "server/gate_metrics.h"

namespace portcullis::server {

// What the monitor's calls read beside the gate; each may be null (then
// the call that needs it answers UNIMPLEMENTED). All must outlive the API.
struct ConsoleSources {
  // The ledger (heads, checkpoints, refusals; the agent's decisions).
  const ledger::Ledger* ledger = nullptr;
  // Decodes the ledger's payloads for the agent's decisions.
  const gate::RecordCodec* codec = nullptr;
  // The activity stream's ledger tail.
  gate::ActivityFeed* activity = nullptr;
  // Whether the gate is ready (its health, as /readyz answers).
  std::function<bool()> ready;
  // Execute calls by connector and result (the metrics' counts).
  const GateMetrics* metrics = nullptr;
  // How many HTTP connectors the configuration binds.
  size_t connectors = 0;
  // The other replicas' approval queues (sharedState), or null.
  ApprovalRelay* relay = nullptr;
};

class ConsoleApi {
 public:
  // Both must outlive the API; `started_at` is reported by /status.
  ConsoleApi(gate::Gate& gate, const CallGuard& guard, absl::Time started_at,
             ConsoleSources sources = {})
      : gate_(gate),
        guard_(guard),
        started_at_(started_at),
        sources_(std::move(sources)) {}

  // One request; never fails (errors are answers).
  http::ApiResponse Handle(const http::ApiRequest& request) const;

  // At most this many event streams at once (each holds one of the
  // listener's threads); more are 429 and the console polls instead.
  static constexpr int kMaxStreams = 2;
  // At most this many activity streams at once, over every principal
  // (the feed also bounds them per principal, activity.maxStreamsPerPrincipal).
  static constexpr int kMaxActivityStreams = 2;
  // An activity stream starts with up to this many of the latest entries
  // of each tenant it follows, then follows live.
  static constexpr uint64_t kActivityBackfill = 20;
  // The agent's recent decisions: at most this many, found among at most
  // kRecentScanLimit of the tenant's latest entries.
  static constexpr int kRecentDecisions = 10;
  static constexpr int kRecentScanLimit = 2000;
  // A stream ends after this long; the console opens a new one.
  static constexpr absl::Duration kStreamLifetime = absl::Seconds(55);
  // How often an idle stream checks that its client is still there.
  static constexpr absl::Duration kStreamPing = absl::Seconds(5);
  // The longest an approval waits for the replica that holds its request.
  static constexpr absl::Duration kMaxRelayWait = absl::Seconds(10);

  // Ends every event stream now and refuses new ones (before the listener
  // stops, so that it need not wait for them).
  void StopStreams() { stopping_.store(true); }

  // The HTTP status for an error code: 401 for Unauthenticated, 403 for
  // PermissionDenied, and so on.
  static int HttpStatus(absl::StatusCode code);

 private:
  http::ApiResponse Me(const http::ApiRequest& request) const;
  http::ApiResponse ListPending(const http::ApiRequest& request,
                                absl::string_view tenant) const;
  http::ApiResponse OnePending(const http::ApiRequest& request,
                               absl::string_view tenant,
                               absl::string_view decision_id) const;
  http::ApiResponse Events(const http::ApiRequest& request,
                           absl::string_view tenant) const;
  http::ApiResponse Approve(const http::ApiRequest& request) const;
  http::ApiResponse Status(const http::ApiRequest& request) const;
  http::ApiResponse HaltOrResume(const http::ApiRequest& request,
                                 bool halt) const;
  http::ApiResponse Activity(const http::ApiRequest& request,
                             absl::string_view tenant) const;
  http::ApiResponse LedgerHealth(const http::ApiRequest& request) const;
  http::ApiResponse Connectors(const http::ApiRequest& request) const;
  http::ApiResponse RecentDecisions(const http::ApiRequest& request,
                                    absl::string_view tenant,
                                    absl::string_view agent) const;

  http::ApiResponse Json(const google::protobuf::Message& message) const;
  http::ApiResponse Error(const absl::Status& status) const;

  gate::Gate& gate_;
  const CallGuard& guard_;
  const absl::Time started_at_;
  const ConsoleSources sources_;
  codec::ProtoJson json_;
  mutable std::atomic<int> streams_{0};
  mutable std::atomic<int> activity_streams_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_CONSOLE_API_H_
