#include "bench/cpu_time.h"

#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace portcullis::bench {

absl::StatusOr<long long> CpuTicksFromStat(absl::string_view line) {
  const size_t close = line.rfind(')');
  if (close == absl::string_view::npos) {
    return absl::InvalidArgumentError("no ')' after the command name");
  }
  // After "pid (comm) ": state is field 3, utime field 14, stime field 15.
  std::vector<absl::string_view> fields =
      absl::StrSplit(line.substr(close + 1), ' ', absl::SkipEmpty());
  constexpr size_t kUtime = 14 - 3, kStime = 15 - 3;
  long long utime = 0, stime = 0;
  if (fields.size() <= kStime || !absl::SimpleAtoi(fields[kUtime], &utime) ||
      !absl::SimpleAtoi(fields[kStime], &stime) || utime < 0 || stime < 0) {
    return absl::InvalidArgumentError("utime and stime are not counts");
  }
  return utime + stime;
}

absl::StatusOr<absl::Duration> ProcessCpuTime(int pid) {
  const std::string path =
      pid == 0 ? "/proc/self/stat" : absl::StrCat("/proc/", pid, "/stat");
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("no process ", pid));
  std::string line;
  std::getline(in, line);
  absl::StatusOr<long long> ticks = CpuTicksFromStat(line);
  if (!ticks.ok()) {
    return absl::DataLossError(
        absl::StrCat(path, ": ", ticks.status().message()));
  }
  static const long kTicksPerSecond = ::sysconf(_SC_CLK_TCK);
  return absl::Seconds(static_cast<double>(*ticks) / kTicksPerSecond);
}

}  // namespace portcullis::bench
