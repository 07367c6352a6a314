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
//
// Errors are {"code": "PERMISSION_DENIED", "message": "..."} with the HTTP
// status of the code (401, 403, 404, 400, 409, 429, 503, 500).
#ifndef PORTCULLIS_SERVER_CONSOLE_API_H_
#define PORTCULLIS_SERVER_CONSOLE_API_H_

#include <atomic>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gate/gate.h"
#include "http/operator_server.h"
#include "server/call_guard.h"
#include "server/codec/proto_json.h"

namespace portcullis::server {

class ConsoleApi {
 public:
  // Both must outlive the API; `started_at` is reported by /status.
  ConsoleApi(gate::Gate& gate, const CallGuard& guard, absl::Time started_at)
      : gate_(gate), guard_(guard), started_at_(started_at) {}

  // One request; never fails (errors are answers).
  http::ApiResponse Handle(const http::ApiRequest& request) const;

  // At most this many event streams at once (each holds one of the
  // listener's threads); more are 429 and the console polls instead.
  static constexpr int kMaxStreams = 2;
  // A stream ends after this long; the console opens a new one.
  static constexpr absl::Duration kStreamLifetime = absl::Seconds(55);
  // How often an idle stream checks that its client is still there.
  static constexpr absl::Duration kStreamPing = absl::Seconds(5);

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

  http::ApiResponse Json(const google::protobuf::Message& message) const;
  http::ApiResponse Error(const absl::Status& status) const;

  gate::Gate& gate_;
  const CallGuard& guard_;
  const absl::Time started_at_;
  ProtoJson json_;
  mutable std::atomic<int> streams_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_CONSOLE_API_H_
