// The CPU time a process has used so far (user + system, every thread),
// from /proc/<pid>/stat, for the CPU-per-call figures portcullis_loadgen
// reports beside throughput (issue 22): its own, and the server's when
// given its pid. Linux only; resolution one clock tick (usually 10 ms), so
// a figure per call is meaningful over a window of seconds.
#ifndef PORTCULLIS_BENCH_CPU_TIME_H_
#define PORTCULLIS_BENCH_CPU_TIME_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace portcullis::bench {

// The CPU time of process `pid` (0: this process). NotFound when there is
// no such process; DataLoss when its stat line cannot be read.
absl::StatusOr<absl::Duration> ProcessCpuTime(int pid);

// The utime + stime of a /proc/<pid>/stat line, in clock ticks. The
// command name (field 2) may hold spaces and parentheses, so fields are
// counted from the last ')'. InvalidArgument for a malformed line.
absl::StatusOr<long long> CpuTicksFromStat(absl::string_view line);

}  // namespace portcullis::bench

#endif  // PORTCULLIS_BENCH_CPU_TIME_H_
