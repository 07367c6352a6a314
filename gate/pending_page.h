// Paging through a tenant's open approval requests: a bounded reply
// however many are waiting, and a token to continue after it. Requests are
// ordered by decision time, then decision id, so a token (the last
// request's time and id) stays meaningful while requests come and go.
// Pure; thread-safe.
#ifndef PORTCULLIS_GATE_PENDING_PAGE_H_
#define PORTCULLIS_GATE_PENDING_PAGE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gate/decision_state.h"

namespace portcullis::gate {

inline constexpr size_t kDefaultPendingPageSize = 100;
inline constexpr size_t kMaxPendingPageSize = 500;

struct PendingPage {
  std::vector<DecisionState> requests;  // oldest first
  std::string next_token;               // empty on the last page
};

// The requests of `pending` (keyed by decision id) that come after `token`
// (empty: from the first), at most `page_size` of them (0: the default;
// more than kMaxPendingPageSize: that). InvalidArgument for a token that
// PagePending did not make.
absl::StatusOr<PendingPage> PagePending(
    const std::map<std::string, DecisionState>& pending,
    absl::string_view token, size_t page_size);

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_PENDING_PAGE_H_
