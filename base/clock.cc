#include "base/clock.h"

#include "absl/time/clock.h"

namespace portcullis {

absl::Time RealClock::Now() const { return absl::Now(); }

}  // namespace portcullis
