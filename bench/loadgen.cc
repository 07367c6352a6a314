// portcullis_loadgen: drives unary gRPC calls at a running gate, or at the
// no-op floor server, and reports throughput and the latency distribution.
//
//   portcullis_loadgen --target 127.0.0.1:7575 --call evaluate-allow
//       --concurrency 16 --duration 10s
//   portcullis_loadgen --target unix:/tmp/noop.sock --call noop --rate 2000
//
// Closed loop (--concurrency C) keeps C calls in flight: it measures
// saturation throughput. Open loop (--rate R) sends R calls a second on a
// fixed schedule whatever the server does, and measures each latency from
// the call's scheduled time, so a stalled server shows as latency instead
// of silently slowing the sender (coordinated omission). Calls use gRPC's
// callback API: no thread per call in flight.
//
// --overload (with --rate, issue 15 item 5) drives a gate past its
// capacity: refusals (RESOURCE_EXHAUSTED) and calls past their deadline
// are counted apart instead of as errors, with the refusals' latency.
//
// Every response is checked. Exit status: 0 when every call succeeded with
// the expected outcome (or, with --overload, was refused or late), 1 when
// any failed or decided otherwise, 2 for bad flags. The bearer token (--token
// or $PORTCULLIS_TOKEN) is never printed.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/latency_histogram.h"
#include "bench/load_options.h"
#include "bench/workload.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "portcullis/bench/loadgen.pb.h"

ABSL_FLAG(std::string, target, "",
          "Where to call: 127.0.0.1:PORT or unix:/path. Required.");
ABSL_FLAG(std::string, call, "noop",
          "What to call: noop, evaluate-allow, evaluate-deny or cycle "
          "(Evaluate, Approve, Execute).");
ABSL_FLAG(int, concurrency, 0, "Closed loop: calls kept in flight.");
ABSL_FLAG(double, rate, 0, "Open loop: calls sent per second, on schedule.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10),
          "How long to measure, after the warm-up.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2),
          "How long to call before measuring (connections, caches).");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(5),
          "Each call's deadline; a call past it counts as an error.");
ABSL_FLAG(std::string, token, "",
          "Bearer token for the gate (default: $PORTCULLIS_TOKEN).");
ABSL_FLAG(bool, json, false, "Print one JSON object (LoadReport).");
ABSL_FLAG(bool, overload, false,
          "Count RESOURCE_EXHAUSTED (refused) and DEADLINE_EXCEEDED (late) "
          "apart, not as errors: for open loop past the gate's capacity.");
ABSL_FLAG(std::string, approver_id, "",
          "cycle: the approver id that signs (registered in the gate's "
          "approvers with the owner role for al-noor).");
ABSL_FLAG(std::string, approver_key, "",
          "cycle: the approver's key file (portcullis keys generate).");
ABSL_FLAG(std::string, approver_token, "",
          "cycle: the bearer token of a principal with the approver role; "
          "default $PORTCULLIS_APPROVER_TOKEN. Never printed.");
ABSL_FLAG(int, tenants, 0,
          "evaluate-allow: spread calls over tenants bench-0..bench-N-1 "
          "(a policy bench/memory.sh writes); 0: the example's tenant.");

namespace portcullis::bench {
namespace {

// Latencies are intervals on this process's monotonic clock: measurement,
// not domain time, so they do not go through portcullis::Clock.
using SteadyClock = std::chrono::steady_clock;

absl::Duration Between(SteadyClock::time_point from,
                       SteadyClock::time_point to) {
  return absl::FromChrono(to - from);
}

// Runs one measurement. Calls complete on gRPC's threads; the counters are
// guarded by mu_.
class LoadRunner {
 public:
  LoadRunner(Workload& workload, const LoadOptions& options)
      : workload_(workload),
        options_(options),
        authorization_(options.token.empty()
                           ? ""
                           : absl::StrCat("Bearer ", options.token)) {}

  // Blocks for warm-up plus duration, then until every call has completed.
  LoadReport Run() {
    start_ = SteadyClock::now();
    measure_from_ = start_ + absl::ToChronoNanoseconds(options_.warmup);
    measure_until_ =
        measure_from_ + absl::ToChronoNanoseconds(options_.duration);
    if (options_.rate > 0) {
      SendOnSchedule();
    } else {
      for (int i = 0; i < options_.concurrency; ++i) Send(SteadyClock::now());
    }
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* in_flight) { return *in_flight == 0; }, &in_flight_));
    return ReportLocked();
  }

 private:
  // Open loop: the i-th call is due at start + i/rate. A sender that falls
  // behind sends at once, and the call's latency still counts from when it
  // was due.
  void SendOnSchedule() {
    const auto period = std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(1.0 / options_.rate));
    for (int64_t i = 0;; ++i) {
      const SteadyClock::time_point due = start_ + i * period;
      if (due >= measure_until_) return;
      std::this_thread::sleep_until(due);
      Send(due);
    }
  }

  void Send(SteadyClock::time_point due) {
    const SteadyClock::time_point sent = SteadyClock::now();
    {
      absl::MutexLock lock(&mu_);
      ++in_flight_;
    }
    auto context = std::make_shared<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() +
                          absl::ToChronoNanoseconds(options_.call_timeout));
    if (!authorization_.empty()) {
      context->AddMetadata("authorization", authorization_);
    }
    // The context must outlive the call: the callback holds it.
    workload_.Start(*context, [this, context, due, sent](
                                  const grpc::Status& status, bool expected) {
      Completed(due, sent, status, expected);
    });
  }

  void Completed(SteadyClock::time_point due, SteadyClock::time_point sent,
                 const grpc::Status& status, bool expected) {
    const SteadyClock::time_point now = SteadyClock::now();
    const bool measured = due >= measure_from_ && due < measure_until_;
    // Closed loop: the next call replaces this one until the window ends.
    const bool send_next = options_.rate == 0 && now < measure_until_;
    const bool refused =
        options_.overload &&
        status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
    const bool late =
        options_.overload &&
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
    {
      absl::MutexLock lock(&mu_);
      if (status.ok() && expected) ++served_all_;
      if (measured) {
        histogram_.Record(Between(due, now));
        last_completion_ = std::max(last_completion_, now);
        if (refused) {
          ++refused_;
          refusals_.Record(Between(sent, now));
        } else if (late) {
          ++late_;
        } else if (!status.ok()) {
          if (errors_++ == 0) {
            first_error_ = absl::StrCat("code ", status.error_code(), ": ",
                                        status.error_message());
          }
        } else if (!expected) {
          ++wrong_outcomes_;
        } else {
          ++calls_;
        }
      }
      // Decremented after the next call is counted in, so Run() cannot see
      // zero between the two.
      if (!send_next) --in_flight_;
    }
    if (send_next) {
      Send(now);
      absl::MutexLock lock(&mu_);
      --in_flight_;
    }
  }

  LoadReport ReportLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    using google::protobuf::util::TimeUtil;
    auto to_proto = [](absl::Duration d) {
      return TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(d));
    };
    // Open loop against a server that cannot keep up: calls due in the
    // window complete after it, so throughput is over the time they took.
    const absl::Duration elapsed =
        std::max(options_.duration, Between(measure_from_, last_completion_));
    LoadReport report;
    report.set_call(options_.call_name);
    report.set_target(options_.target);
    report.set_mode(options_.rate > 0 ? "open" : "closed");
    report.set_concurrency(options_.concurrency);
    report.set_offered_rate(options_.rate);
    *report.mutable_duration() = to_proto(options_.duration);
    report.set_calls(calls_);
    report.set_errors(errors_);
    report.set_wrong_outcomes(wrong_outcomes_);
    report.set_throughput(histogram_.count() / absl::ToDoubleSeconds(elapsed));
    LatencySummary& latency = *report.mutable_latency();
    *latency.mutable_p50() = to_proto(histogram_.Percentile(0.5));
    *latency.mutable_p90() = to_proto(histogram_.Percentile(0.9));
    *latency.mutable_p99() = to_proto(histogram_.Percentile(0.99));
    *latency.mutable_p999() = to_proto(histogram_.Percentile(0.999));
    *latency.mutable_max() = to_proto(histogram_.max());
    report.set_first_error(first_error_);
    report.set_refused(refused_);
    report.set_late(late_);
    LatencySummary& refusal = *report.mutable_refusal_latency();
    *refusal.mutable_p50() = to_proto(refusals_.Percentile(0.5));
    *refusal.mutable_p90() = to_proto(refusals_.Percentile(0.9));
    *refusal.mutable_p99() = to_proto(refusals_.Percentile(0.99));
    *refusal.mutable_p999() = to_proto(refusals_.Percentile(0.999));
    *refusal.mutable_max() = to_proto(refusals_.max());
    report.set_served_all(served_all_);
    report.set_goodput(calls_ / absl::ToDoubleSeconds(options_.duration));
    return report;
  }

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
};

absl::Duration FromProto(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

// Whole microseconds, rounded up: the histogram's precision is coarser.
std::string Micros(const google::protobuf::Duration& d) {
  return absl::FormatDuration(absl::Ceil(FromProto(d), absl::Microseconds(1)));
}

void PrintText(const LoadReport& report) {
  const LatencySummary& latency = report.latency();
  std::cout << report.call() << " on " << report.target() << ", "
            << (report.mode() == "open"
                    ? absl::StrCat("open loop at ", report.offered_rate(),
                                   " calls/s")
                    : absl::StrCat("closed loop, ", report.concurrency(),
                                   " in flight"))
            << ", " << absl::FormatDuration(FromProto(report.duration()))
            << "\n"
            << "  calls " << report.calls() << " ok, " << report.errors()
            << " errors, " << report.wrong_outcomes() << " wrong outcomes\n"
            << "  throughput " << static_cast<int64_t>(report.throughput())
            << " calls/s\n"
            << "  latency p50 " << Micros(latency.p50()) << "  p90 "
            << Micros(latency.p90()) << "  p99 " << Micros(latency.p99())
            << "  p99.9 " << Micros(latency.p999()) << "  max "
            << Micros(latency.max()) << "\n";
  if (report.refused() > 0 || report.late() > 0) {
    const LatencySummary& refusal = report.refusal_latency();
    std::cout << "  overload: " << report.refused() << " refused, "
              << report.late() << " late; goodput "
              << static_cast<int64_t>(report.goodput())
              << " calls/s; refusals p50 " << Micros(refusal.p50()) << "  p99 "
              << Micros(refusal.p99()) << "  max " << Micros(refusal.max())
              << "\n";
  }
  if (!report.first_error().empty()) {
    std::cout << "  first error: " << report.first_error() << "\n";
  }
}

int PrintJson(const LoadReport& report) {
  google::protobuf::util::JsonPrintOptions json_options;
  json_options.always_print_primitive_fields = true;  // "errors": "0" too.
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(report, &json, json_options)
           .ok()) {
    std::cerr << "portcullis_loadgen: cannot print the report as JSON\n";
    return 1;
  }
  std::cout << json << "\n";
  return 0;
}

// Returns InvalidArgument, naming the flag, for a bad command line.
absl::StatusOr<LoadOptions> OptionsFromFlags() {
  LoadOptions options;
  options.target = absl::GetFlag(FLAGS_target);
  options.call_name = absl::GetFlag(FLAGS_call);
  options.concurrency = absl::GetFlag(FLAGS_concurrency);
  options.rate = absl::GetFlag(FLAGS_rate);
  options.duration = absl::GetFlag(FLAGS_duration);
  options.warmup = absl::GetFlag(FLAGS_warmup);
  options.call_timeout = absl::GetFlag(FLAGS_call_timeout);
  options.token = absl::GetFlag(FLAGS_token);
  options.tenants = absl::GetFlag(FLAGS_tenants);
  options.overload = absl::GetFlag(FLAGS_overload);
  options.approver_id = absl::GetFlag(FLAGS_approver_id);
  options.approver_key = absl::GetFlag(FLAGS_approver_key);
  options.approver_token = absl::GetFlag(FLAGS_approver_token);
  if (options.approver_token.empty()) {
    if (const char* env = std::getenv("PORTCULLIS_APPROVER_TOKEN")) {
      options.approver_token = env;
    }
  }
  if (options.token.empty()) {
    if (const char* env = std::getenv("PORTCULLIS_TOKEN")) options.token = env;
  }
  absl::StatusOr<CallKind> call = ParseCallKind(options.call_name);
  if (!call.ok()) return call.status();
  options.call = *call;
  if (absl::Status s = ValidateLoadOptions(options); !s.ok()) return s;
  return options;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "gRPC load against a Portcullis gate or the no-op floor server.\n"
      "  portcullis_loadgen --target 127.0.0.1:7575 --call evaluate-allow "
      "(--concurrency C | --rate R)");
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    std::cerr << "portcullis_loadgen: unexpected argument " << positional[1]
              << "\n";
    return 2;
  }
  absl::StatusOr<LoadOptions> options = OptionsFromFlags();
  if (!options.ok()) {
    std::cerr << "portcullis_loadgen: " << options.status().message() << "\n";
    return 2;
  }
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(options->target, grpc::InsecureChannelCredentials());
  // Connection set-up is not part of any call's latency, and an unreachable
  // target should fail in seconds with a clear message.
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 std::chrono::seconds(10))) {
    std::cerr << "portcullis_loadgen: cannot connect to " << options->target
              << "\n";
    return 1;
  }
  std::unique_ptr<Workload> workload;
  if (options->call == CallKind::kCycle) {
    absl::StatusOr<std::unique_ptr<Workload>> cycle =
        NewCycleWorkload(channel, *options);
    if (!cycle.ok()) {
      std::cerr << "portcullis_loadgen: " << cycle.status().message() << "\n";
      return 2;
    }
    workload = *std::move(cycle);
  } else {
    workload = NewWorkload(options->call, options->tenants, channel);
  }
  // Named, not a temporary: the last callback may still be unlocking the
  // runner's mutex when Run() returns.
  LoadRunner runner(*workload, *options);
  const LoadReport report = runner.Run();
  if (absl::GetFlag(FLAGS_json)) {
    if (PrintJson(report) != 0) return 1;
  } else {
    PrintText(report);
  }
  return report.errors() == 0 && report.wrong_outcomes() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace portcullis::bench

int main(int argc, char** argv) { return portcullis::bench::Main(argc, argv); }
