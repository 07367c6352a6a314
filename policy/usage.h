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

  // How many sessions are live at `now`: counters whose key is a session's
  // event counter ("<tenant>/session:events/...", see IsSessionEventsKey)
  // with an event still inside its window. The gate keeps one view per
  // tenant, so this is the tenant's count.
  virtual int64_t LiveSessions(absl::Time now) const { return 0; }
};

// Whether `counter` is a session's event counter: the part after the
// tenant is "session:events/...". Rule ids have no ':', so no limit
// counter has this form.
inline bool IsSessionEventsKey(absl::string_view counter) {
  size_t slash = counter.find('/');
  return slash != absl::string_view::npos &&
         counter.substr(slash + 1).substr(0, 15) == "session:events/";
}

// A view with no usage at all: for explaining a single action offline.
class EmptyUsage final : public UsageView {
 public:
  int64_t Count(absl::string_view, absl::Time) const override { return 0; }
  Decimal Sum(absl::string_view, absl::Time) const override { return {}; }
};

}  // namespace portcullis::policy

#endif  // PORTCULLIS_POLICY_USAGE_H_
