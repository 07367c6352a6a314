#include "server/calls_in_flight.h"

#include <cstring>

namespace portcullis::server {
namespace {

// Counts one call for as long as gRPC keeps its interceptor: it is
// destroyed with the call, after the status was sent.
class CallCounter final : public grpc::experimental::Interceptor {
 public:
  explicit CallCounter(CallsInFlight& calls) : calls_(calls) { calls_.Begin(); }
  ~CallCounter() override { calls_.End(); }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    methods->Proceed();
  }

 private:
  CallsInFlight& calls_;
};

// A long wait a shutdown cancels rather than waits for.
bool IsLongWait(const grpc::experimental::ServerRpcInfo& info) {
  if (info.type() != grpc::experimental::ServerRpcInfo::Type::UNARY) {
    return true;
  }
  const char* method = info.method();
  return method != nullptr &&
         std::strcmp(method, "/portcullis.v1.Gate/AwaitDecision") == 0;
}

}  // namespace

grpc::experimental::Interceptor*
CallsInFlightInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  if (IsLongWait(*info)) return nullptr;
  return new CallCounter(calls_);
}

void CallsInFlight::Begin() {
  absl::MutexLock lock(&mu_);
  ++in_flight_;
}

void CallsInFlight::End() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

int CallsInFlight::count() const {
  absl::MutexLock lock(&mu_);
  return in_flight_;
}

bool CallsInFlight::AwaitIdle(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return in_flight_ == 0;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
}

}  // namespace portcullis::server
