// LoadRunner runs one portcullis_loadgen measurement: it keeps calls of a
// Workload in flight (closed loop) or sends them on a schedule (open loop),
// checks each answer and summarises them in a LoadReport. Calls complete on
// gRPC's threads; the counters are guarded by a mutex.
//
// Every ClientContext is destroyed before its call is counted as done, so
// when Run() returns no call of the run still holds a reference to the
// channel: whoever drops the last one shuts gRPC down, and that must be the
// caller, not a gRPC thread racing the process's exit (bench/ab.sh saw
// "free(): double free detected in tcache 2" from the load generator).
#ifndef PORTCULLIS_BENCH_LOAD_RUNNER_H_
#define PORTCULLIS_BENCH_LOAD_RUNNER_H_

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/latency_histogram.h"
#include "bench/load_options.h"
#include "bench/workload.h"
#include "portcullis/bench/loadgen.pb.h"

namespace portcullis::bench {

class LoadRunner {
 public:
  // `workload` and `options` must outlive the runner.
  LoadRunner(Workload& workload, const LoadOptions& options);

  // Blocks for warm-up plus duration, then until every call has completed
  // and released its context. Call once.
  LoadReport Run();

 private:
  // Latencies are intervals on this process's monotonic clock:
  // measurement, not domain time, so they do not go through
  // portcullis::Clock.
  using SteadyClock = std::chrono::steady_clock;

  void SendOnSchedule();
  void Send(SteadyClock::time_point due);
  void Completed(grpc::ClientContext* context, SteadyClock::time_point due,
                 SteadyClock::time_point sent, const grpc::Status& status,
                 bool expected);
  LoadReport ReportLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reads this process's and the server's CPU time at the start and the
  // end of the measured window, on a thread of its own.
  void SampleCpu();

  Workload& workload_;
  const LoadOptions& options_;
  // "Bearer <token>", or empty to send no authorization metadata.
  const std::string authorization_;
  SteadyClock::time_point start_;
  SteadyClock::time_point measure_from_;
  SteadyClock::time_point measure_until_;

  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  LatencyHistogram histogram_ ABSL_GUARDED_BY(mu_);
  int64_t calls_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t errors_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t wrong_outcomes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t refused_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t late_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t served_all_ ABSL_GUARDED_BY(mu_) = 0;
  LatencyHistogram refusals_ ABSL_GUARDED_BY(mu_);
  std::string first_error_ ABSL_GUARDED_BY(mu_);
  SteadyClock::time_point last_completion_ ABSL_GUARDED_BY(mu_);
  absl::Duration client_cpu_ ABSL_GUARDED_BY(mu_);
  absl::Duration server_cpu_ ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::bench

#endif  // PORTCULLIS_BENCH_LOAD_RUNNER_H_
