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
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "bench/load_options.h"
#include "bench/load_runner.h"
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
ABSL_FLAG(int, channels, 0,
          "Connections to spread the calls over (each its own HTTP/2 "
          "connection); 0: one per two hardware threads, 1 to 16.");
ABSL_FLAG(int, server_pid, 0,
          "The server's process id: its CPU time over the measured window "
          "is reported beside this process's own.");
ABSL_FLAG(int, tenants, 0,
          "evaluate-allow: spread calls over tenants bench-0..bench-N-1 "
          "(a policy bench/memory.sh writes); 0: the example's tenant.");

namespace portcullis::bench {
namespace {

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
  std::cout << "  " << report.channels() << " channel(s); CPU per call: client "
            << absl::StrFormat("%.1f", report.client_cpu_per_call_us())
            << " us";
  if (report.server_cpu().seconds() != 0 || report.server_cpu().nanos() != 0) {
    std::cout << ", server "
              << absl::StrFormat("%.1f", report.server_cpu_per_call_us())
              << " us";
  }
  std::cout << "\n";
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
  options.channels = absl::GetFlag(FLAGS_channels);
  options.server_pid = absl::GetFlag(FLAGS_server_pid);
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
  if (options->channels == 0) {
    options->channels = ChannelsFor(std::thread::hardware_concurrency());
  }
  // Distinct arguments keep gRPC from sharing one connection between the
  // channels.
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < options->channels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("portcullis.loadgen_channel", i);
    channels.push_back(grpc::CreateCustomChannel(
        options->target, grpc::InsecureChannelCredentials(), args));
  }
  // Connection set-up is not part of any call's latency, and an unreachable
  // target should fail in seconds with a clear message.
  for (const std::shared_ptr<grpc::Channel>& channel : channels) {
    if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                   std::chrono::seconds(10))) {
      std::cerr << "portcullis_loadgen: cannot connect to " << options->target
                << "\n";
      return 1;
    }
  }
  std::vector<std::unique_ptr<Workload>> workloads;
  for (const std::shared_ptr<grpc::Channel>& channel : channels) {
    if (options->call == CallKind::kCycle) {
      absl::StatusOr<std::unique_ptr<Workload>> cycle =
          NewCycleWorkload(channel, *options);
      if (!cycle.ok()) {
        std::cerr << "portcullis_loadgen: " << cycle.status().message() << "\n";
        return 2;
      }
      workloads.push_back(*std::move(cycle));
    } else {
      workloads.push_back(
          NewWorkload(options->call, options->tenants, channel));
    }
  }
  std::unique_ptr<Workload> workload = NewRoundRobin(std::move(workloads));
  // Named, not a temporary: the last callback may still be unlocking the
  // runner's mutex when Run() returns. The channels outlive the runner and
  // the workload, so their last references are dropped here, on this
  // thread (load_runner.h).
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
