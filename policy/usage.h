// UsageView is how policy evaluation reads rate and spend counters without
// owning them: the gate core keeps the counters (rebuilt from the ledger at
// start) and hands evaluation a read-only view. Implementations decide their
// own thread-safety; evaluation calls them from the evaluating thread only.
#ifndef PORTCULLIS_POLICY_USAGE_H_
#define PORTCULLIS_POLICY_USAGE_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "policy/decimal.h"

namespace portcullis::policy {

class UsageView {
 public:
  virtual ~UsageView() = default;

  // Returns how many events were charged to `counter` at times t with
  // since < t (events exactly at `since` have left the window).
  virtual int64_t Count(absl::string_view counter, absl::Time since) const = 0;

  // Returns the sum of the amounts charged to `counter` at times > `since`.
  virtual Decimal Sum(absl::string_view counter, absl::Time since) const = 0;
};

// A view with no usage at all: for explaining a single action offline.
class EmptyUsage final : public UsageView {
 public:
  int64_t Count(absl::string_view, absl::Time) const override { return 0; }
  Decimal Sum(absl::string_view, absl::Time) const override { return {}; }
};

}  // namespace portcullis::policy

#endif  // PORTCULLIS_POLICY_USAGE_H_
