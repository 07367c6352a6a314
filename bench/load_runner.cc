#include "bench/load_runner.h"

#include <algorithm>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "bench/cpu_time.h"
#include "google/protobuf/util/time_util.h"

namespace portcullis::bench {
namespace {

absl::Duration Between(std::chrono::steady_clock::time_point from,
                       std::chrono::steady_clock::time_point to) {
  return absl::FromChrono(to - from);
}

}  // namespace

LoadRunner::LoadRunner(Workload& workload, const LoadOptions& options)
    : workload_(workload),
      options_(options),
      authorization_(
          options.token.empty() ? "" : absl::StrCat("Bearer ", options.token)) {
}

LoadReport LoadRunner::Run() {
  start_ = SteadyClock::now();
  measure_from_ = start_ + absl::ToChronoNanoseconds(options_.warmup);
  measure_until_ = measure_from_ + absl::ToChronoNanoseconds(options_.duration);
  std::thread cpu([this] { SampleCpu(); });
  if (options_.rate > 0) {
    SendOnSchedule();
  } else {
    for (int i = 0; i < options_.concurrency; ++i) Send(SteadyClock::now());
  }
  cpu.join();
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* in_flight) { return *in_flight == 0; }, &in_flight_));
  return ReportLocked();
}

void LoadRunner::SampleCpu() {
  // A process that cannot be read counts as zero: the figure is beside
  // the measurement, not part of it.
  auto read = [](int pid) {
    absl::StatusOr<absl::Duration> t = ProcessCpuTime(pid);
    return t.ok() ? *t : absl::ZeroDuration();
  };
  const bool server = options_.server_pid > 0;
  std::this_thread::sleep_until(measure_from_);
  const absl::Duration client_from = read(0);
  const absl::Duration server_from =
      server ? read(options_.server_pid) : absl::ZeroDuration();
  std::this_thread::sleep_until(measure_until_);
  const absl::Duration client = read(0) - client_from;
  const absl::Duration server_cpu =
      server ? read(options_.server_pid) - server_from : absl::ZeroDuration();
  absl::MutexLock lock(&mu_);
  client_cpu_ = client;
  server_cpu_ = server_cpu;
}

// Open loop: the i-th call is due at start + i/rate. A sender that falls
// behind sends at once, and the call's latency still counts from when it
// was due.
void LoadRunner::SendOnSchedule() {
  const auto period = std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double>(1.0 / options_.rate));
  for (int64_t i = 0;; ++i) {
    const SteadyClock::time_point due = start_ + i * period;
    if (due >= measure_until_) return;
    std::this_thread::sleep_until(due);
    Send(due);
  }
}

void LoadRunner::Send(SteadyClock::time_point due) {
  const SteadyClock::time_point sent = SteadyClock::now();
  {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
  }
  // Owned here, not by the callback: gRPC destroys the callback only after
  // it has returned, and the context holds a reference to the channel.
  // Completed() destroys it before the call counts as done (see the
  // header).
  auto* context = new grpc::ClientContext();
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoNanoseconds(options_.call_timeout));
  if (!authorization_.empty()) {
    context->AddMetadata("authorization", authorization_);
  }
  workload_.Start(*context, [this, context, due, sent](
                                const grpc::Status& status, bool expected) {
    Completed(context, due, sent, status, expected);
  });
}

void LoadRunner::Completed(grpc::ClientContext* context,
                           SteadyClock::time_point due,
                           SteadyClock::time_point sent,
                           const grpc::Status& status, bool expected) {
  delete context;  // before the call is counted out: see the header
  const SteadyClock::time_point now = SteadyClock::now();
  const bool measured = due >= measure_from_ && due < measure_until_;
  // Closed loop: the next call replaces this one until the window ends.
  const bool send_next = options_.rate == 0 && now < measure_until_;
  const bool refused =
      options_.overload &&
      status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
  const bool late = options_.overload &&
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

LoadReport LoadRunner::ReportLocked() {
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
  report.set_channels(options_.channels);
  *report.mutable_client_cpu() = to_proto(client_cpu_);
  *report.mutable_server_cpu() = to_proto(server_cpu_);
  if (histogram_.count() > 0) {
    const double calls = static_cast<double>(histogram_.count());
    report.set_client_cpu_per_call_us(absl::ToDoubleMicroseconds(client_cpu_) /
                                      calls);
    report.set_server_cpu_per_call_us(absl::ToDoubleMicroseconds(server_cpu_) /
                                      calls);
  }
  return report;
}

}  // namespace portcullis::bench
