// What a portcullis_loadgen run does, and the checks that reject a bad
// command line before anything is sent. Plain values; no threads.
#ifndef PORTCULLIS_BENCH_LOAD_OPTIONS_H_
#define PORTCULLIS_BENCH_LOAD_OPTIONS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace portcullis::bench {

// What each call sends; see workload.h for the requests.
enum class CallKind { kNoop, kEvaluateAllow, kEvaluateDeny, kCycle };

struct LoadOptions {
  std::string target;
  std::string call_name;
  CallKind call = CallKind::kNoop;
  // Exactly one of the two is positive: closed loop or open loop.
  int concurrency = 0;
  double rate = 0;
  absl::Duration duration;
  absl::Duration warmup;
  absl::Duration call_timeout;
  // Empty: no authorization metadata (the no-op server, or a gate's Unix
  // socket, where the caller's uid identifies it).
  std::string token;
  // evaluate-allow only: spread the calls round-robin over tenants
  // "bench-0" .. "bench-<tenants-1>" (a policy bench/memory.sh writes); 0
  // keeps the example policy's tenant.
  int tenants = 0;
  // Open loop only: refusals and late calls are expected, counted apart.
  bool overload = false;
  // cycle only: the approver who signs (an id registered in the gate's
  // approvers with the owner role for al-noor), their Ed25519 key file
  // (`portcullis keys generate`), and the token of a principal with the
  // approver role, always needed (the agent may not approve its own).
  std::string approver_id;
  std::string approver_key;
  std::string approver_token;
  // Connections to the target: the calls are spread round-robin over this
  // many channels, each its own HTTP/2 connection, so that one connection
  // (and the one server thread that reads it) is not what is measured on
  // a many-core machine. 0: ChannelsFor(hardware threads).
  int channels = 0;
  // When positive, the server's process id: its CPU time over the measured
  // window is reported beside the load generator's own.
  int server_pid = 0;
};

// The channels --channels 0 opens on a machine with `hardware_threads`:
// one per two hardware threads, from 1 to 16.
int ChannelsFor(unsigned hardware_threads);

// The name of tenant `index` of a --tenants workload.
std::string BenchTenant(int index);

// Returns the kind named "noop", "evaluate-allow", "evaluate-deny" or
// "cycle"; InvalidArgument for any other name.
absl::StatusOr<CallKind> ParseCallKind(absl::string_view name);

// Returns OK for "unix:<path>" and for "<host>:<port>" with a port from 1
// to 65535; InvalidArgument otherwise.
absl::Status ValidateTarget(absl::string_view target);

// Returns InvalidArgument, naming the flag, when the target is malformed,
// neither or both of concurrency and rate are set or either is out of
// range, a duration is not positive (the warm-up may be zero), an
// Evaluate call over TCP has no token, or --tenants is out of range or set
// for a call other than evaluate-allow, or a cycle lacks its approver, or
// --overload is set without --rate, or --channels or --server_pid is out of
// range.
// `call` must already be parsed.
absl::Status ValidateLoadOptions(const LoadOptions& options);

}  // namespace portcullis::bench

#endif  // PORTCULLIS_BENCH_LOAD_OPTIONS_H_
