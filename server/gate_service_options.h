// GateServiceOptions: the Gate service's caps on open waits and streams,
// its worker threads and its approval relay (server/gate_service.h).
#ifndef PORTCULLIS_SERVER_GATE_SERVICE_OPTIONS_H_
#define PORTCULLIS_SERVER_GATE_SERVICE_OPTIONS_H_

#include <cstddef>

namespace portcullis::server {

class ApprovalRelay;

struct GateServiceOptions {
  // The most AwaitDecision calls one principal may hold open.
  size_t max_waits_per_principal = 256;
  // The most WatchPending streams one principal may hold open.
  size_t max_streams_per_principal = 16;
  // How many changes a WatchPending stream may fall behind its reader
  // before it is ended with RESOURCE_EXHAUSTED.
  size_t watch_backlog = 256;
  // Threads for Approve, Execute and ReportOutcome, and how many such
  // calls may wait for one.
  int call_threads = 8;
  size_t max_queued_calls = 1024;
  // Where the approval queues of the other replicas are (sharedState):
  // ListPending adds theirs and Approve relays to them. Null for a gate on
  // its own; must outlive the service.
  ApprovalRelay* relay = nullptr;
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_GATE_SERVICE_OPTIONS_H_
