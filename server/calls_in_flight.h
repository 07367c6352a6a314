// CallsInFlight counts the short calls a server is serving, so that a
// shutdown waits for them and for nothing else: gRPC's own Shutdown(deadline)
// waited for the whole deadline whenever a client kept an idle connection
// open (issue 15, item 13). Long waits (AwaitDecision, every streaming call)
// are not counted: a shutdown cancels them. Each call is counted from the
// moment gRPC hands it to the server until its status has been sent, by a
// server interceptor. Thread-safe.
#ifndef PORTCULLIS_SERVER_CALLS_IN_FLIGHT_H_
#define PORTCULLIS_SERVER_CALLS_IN_FLIGHT_H_

#include <grpcpp/support/server_interceptor.h>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace portcullis::server {

class CallsInFlight {
 public:
  // Returns true once no counted call is in flight, false when `timeout`
  // passed first.
  bool AwaitIdle(absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_);

  int count() const ABSL_LOCKS_EXCLUDED(mu_);

  void Begin() ABSL_LOCKS_EXCLUDED(mu_);
  void End() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

// Counts the calls of the server it is installed in into `calls`, which
// must outlive the server.
class CallsInFlightInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallsInFlightInterceptorFactory(CallsInFlight& calls)
      : calls_(calls) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  CallsInFlight& calls_;
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_CALLS_IN_FLIGHT_H_
