// portcullis_fsync_probe: what one durable write costs on a disk, the part
// of a synced decision that no code change can remove (issue 22, part 5).
// It appends `--bytes` to a fresh file in `--dir` and calls fdatasync(2),
// `--count` times, the way a write-ahead log grows by one small record and
// is synced before the answer; then prints the latency percentiles. Like
// RocksDB's write-ahead log, the file's blocks are reserved first
// (fallocate with FALLOC_FL_KEEP_SIZE, `--preallocate_mib`), so each sync
// pays for the data and the file's new size, not for finding blocks.
//
//   portcullis_fsync_probe --dir /var/lib/portcullis --count 2000
//   portcullis_fsync_probe --dir DIR --json    # {"p50Us":..,"p99Us":..}
//
// The file is removed on exit. bench/one_caller.sh runs it beside the gate
// and the no-op floor, so the three figures come from one moment of the
// machine.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/latency_histogram.h"

ABSL_FLAG(std::string, dir, "", "Directory on the disk to measure.");
ABSL_FLAG(int, count, 1000, "Synced appends to time, 1 to 1,000,000.");
ABSL_FLAG(int, bytes, 4096, "Bytes per append, 1 to 1 MiB.");
ABSL_FLAG(int, preallocate_mib, 64,
          "MiB reserved before the first append, as RocksDB does for its "
          "write-ahead log; 0: none.");
ABSL_FLAG(bool, json, false, "Print one JSON object instead of a line.");

namespace {

using portcullis::bench::LatencyHistogram;

// Writes all of `size` bytes; false with errno set otherwise.
bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

double Micros(absl::Duration d) { return absl::ToDoubleMicroseconds(d); }

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Times small appends each followed by fdatasync, in --dir.");
  absl::ParseCommandLine(argc, argv);
  const std::string dir = absl::GetFlag(FLAGS_dir);
  const int count = absl::GetFlag(FLAGS_count);
  const int bytes = absl::GetFlag(FLAGS_bytes);
  if (dir.empty() || count < 1 || count > 1'000'000 || bytes < 1 ||
      bytes > (1 << 20) || absl::GetFlag(FLAGS_preallocate_mib) < 0 ||
      absl::GetFlag(FLAGS_preallocate_mib) > 4096) {
    std::cerr << "fsync_probe: --dir is required; --count 1..1000000, "
                 "--bytes 1..1048576, --preallocate_mib 0..4096\n";
    return 2;
  }
  const std::string path = absl::StrCat(dir, "/fsync-probe.", getpid());
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::cerr << "fsync_probe: " << path << ": " << std::strerror(errno)
              << "\n";
    return 1;
  }
  const int preallocate_mib = absl::GetFlag(FLAGS_preallocate_mib);
  if (preallocate_mib > 0 &&
      fallocate(fd, FALLOC_FL_KEEP_SIZE, 0,
                static_cast<off_t>(preallocate_mib) << 20) != 0) {
    std::cerr << "fsync_probe: fallocate: " << std::strerror(errno) << "\n";
    close(fd);
    unlink(path.c_str());
    return 1;
  }
  const std::string record(static_cast<size_t>(bytes), 'p');
  LatencyHistogram latencies;
  int status = 0;
  for (int i = 0; i < count; ++i) {
    absl::Time start = absl::Now();
    if (!WriteAll(fd, record.data(), record.size()) || fdatasync(fd) != 0) {
      std::cerr << "fsync_probe: " << path << ": " << std::strerror(errno)
                << "\n";
      status = 1;
      break;
    }
    latencies.Record(absl::Now() - start);
  }
  close(fd);
  unlink(path.c_str());
  if (status != 0) return status;
  if (absl::GetFlag(FLAGS_json)) {
    std::cout << absl::StrFormat(
        "{\"count\":%d,\"bytes\":%d,\"p50Us\":%.1f,\"p90Us\":%.1f,"
        "\"p99Us\":%.1f,\"maxUs\":%.1f}\n",
        count, bytes, Micros(latencies.Percentile(0.5)),
        Micros(latencies.Percentile(0.9)), Micros(latencies.Percentile(0.99)),
        Micros(latencies.max()));
  } else {
    std::cout << absl::StrFormat(
        "%d appends of %d bytes, each synced: p50 %.1f us, p90 %.1f us, "
        "p99 %.1f us, max %.1f us\n",
        count, bytes, Micros(latencies.Percentile(0.5)),
        Micros(latencies.Percentile(0.9)), Micros(latencies.Percentile(0.99)),
        Micros(latencies.max()));
  }
  return 0;
}
