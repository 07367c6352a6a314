// The CPU time the calling thread has used so far (user and system), for
// counting what one thread's work costs apart from the time it waited or
// was preempted. A system call on Linux (about 0.1-0.5 µs): read it per
// group of work, not per item.
#ifndef PORTCULLIS_BASE_THREAD_CPU_TIME_H_
#define PORTCULLIS_BASE_THREAD_CPU_TIME_H_

#include "absl/time/time.h"

namespace portcullis {

absl::Duration ThreadCpuTime();

}  // namespace portcullis

#endif  // PORTCULLIS_BASE_THREAD_CPU_TIME_H_
