// GateService adapts the gRPC Gate service to gate::Gate: it translates
// requests to domain values, delegates, and translates the answers back.
// It decides nothing itself. Thread-safe (gate::Gate is).
#ifndef PORTCULLIS_SERVER_GATE_SERVICE_H_
#define PORTCULLIS_SERVER_GATE_SERVICE_H_

#include "gate/gate.h"
#include "portcullis/v1/gate.grpc.pb.h"

namespace portcullis::server {

class GateService final : public v1::Gate::Service {
 public:
  // `gate` must outlive the service.
  explicit GateService(gate::Gate& gate) : gate_(gate) {}

  grpc::Status Evaluate(grpc::ServerContext* context,
                        const v1::EvaluateRequest* request,
                        v1::EvaluateResponse* response) override;

  // Approve and Execute answer UNIMPLEMENTED (the generated default) until
  // the approval flow lands.

 private:
  gate::Gate& gate_;
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_GATE_SERVICE_H_
