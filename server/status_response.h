// The one translation of the gate's status into Admin's StatusResponse,
// shared by the gRPC Admin.Status call and the console's /api/v1/status:
// what the caller may see of it (their tenants only), the latest policy
// reload with its error made fit for an operator's page. Thread-safe.
#ifndef PORTCULLIS_SERVER_STATUS_RESPONSE_H_
#define PORTCULLIS_SERVER_STATUS_RESPONSE_H_

#include "absl/time/time.h"
#include "gate/gate.h"
#include "identity/principal.h"
#include "portcullis/v1/admin.pb.h"

namespace portcullis::server {

// Fills `out` from `status` for `caller` (tenants it may not act for are
// left out); `started_at` is when the gate started.
void StatusResponseFrom(const gate::GateStatus& status,
                        const identity::Principal& caller,
                        absl::Time started_at, v1::StatusResponse* out);

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_STATUS_RESPONSE_H_
