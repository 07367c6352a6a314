// The calls portcullis_loadgen sends and how each answer is checked: the
// no-op floor, or a Gate/Evaluate whose outcome on examples/commerce.policy
// does not depend on the time of day, the day of the week or how many
// calls came before. Thread-safe: Start() may be called concurrently.
#ifndef PORTCULLIS_BENCH_WORKLOAD_H_
#define PORTCULLIS_BENCH_WORKLOAD_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/load_options.h"

namespace portcullis::bench {

class Workload {
 public:
  // Runs on a gRPC thread when the call completes. `expected` is whether a
  // successful call's answer is the one this workload expects; it is
  // meaningless when `status` is not OK.
  using Done = std::function<void(const grpc::Status& status, bool expected)>;

  virtual ~Workload() = default;

  // Starts one call on `context` and returns without waiting. The caller
  // keeps `context` alive until `done` runs, and may destroy it in `done`.
  // Before calling `done` the workload releases every other context it
  // made for the call: a context holds the channel, and whoever drops the
  // channel's last reference shuts gRPC down (load_runner.h).
  virtual void Start(grpc::ClientContext& context, Done done) = 0;
};

// Returns the workload for `kind` on `channel`:
//   kNoop          portcullis.bench.Noop/Call with a Ping sized like an
//                  Evaluate request; any OK answer is expected.
//   kEvaluateAllow search_catalog for tenant desert-books: a read tool,
//                  allowed by a tenant-wide rule at any hour, with no limit;
//                  with `tenants` > 0, round-robin over tenants
//                  BenchTenant(0..tenants-1) instead.
//   kEvaluateDeny  a 75 SAR create_coupon for al-noor: over the 50 SAR cap,
//                  denied whatever the hour or the rate counters say.
// Not for kCycle (null): see NewCycleWorkload.
std::unique_ptr<Workload> NewWorkload(CallKind kind, int tenants,
                                      std::shared_ptr<grpc::Channel> channel);

// kCycle: Evaluate an al-noor cancel_order on examples/commerce.policy (the
// owner must approve), Approve it signed with options.approver_key as
// options.approver_id (with options.approver_token), then Execute it. One
// "call" is the whole cycle, as expected when the approval turns the
// decision to ALLOW and Execute returns a receipt. Fails when the key file
// cannot be read.
absl::StatusOr<std::unique_ptr<Workload>> NewCycleWorkload(
    std::shared_ptr<grpc::Channel> channel, const LoadOptions& options);

// Starts each call on the next of `workloads` in turn (one per channel:
// load_options.h, channels). `workloads` must not be empty.
std::unique_ptr<Workload> NewRoundRobin(
    std::vector<std::unique_ptr<Workload>> workloads);

}  // namespace portcullis::bench

#endif  // PORTCULLIS_BENCH_WORKLOAD_H_
