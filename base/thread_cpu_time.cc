#include "base/thread_cpu_time.h"

#include <time.h>

namespace portcullis {

absl::Duration ThreadCpuTime() {
  timespec t{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0)
    return absl::ZeroDuration();
  return absl::DurationFromTimespec(t);
}

}  // namespace portcullis
