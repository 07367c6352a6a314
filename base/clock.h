// Clock is the one source of "now" in Portcullis. Production code receives a
// Clock through its constructor and reads it once per request; tests inject a
// FakeClock (tests/testing/fake_clock.h) and advance it explicitly.
//
// Implementations must be thread-safe.
#ifndef PORTCULLIS_BASE_CLOCK_H_
#define PORTCULLIS_BASE_CLOCK_H_

#include "absl/time/time.h"

namespace portcullis {

class Clock {
 public:
  virtual ~Clock() = default;

  // Returns the current time. Successive calls may go backwards on a real
  // clock (NTP steps); callers that need ordering use ledger sequences.
  virtual absl::Time Now() const = 0;
};

// Reads the system wall clock. The only place in Portcullis that does.
class RealClock final : public Clock {
 public:
  absl::Time Now() const override;
};

}  // namespace portcullis

#endif  // PORTCULLIS_BASE_CLOCK_H_
