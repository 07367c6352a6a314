#include "gate/pending_page.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/identifiers.h"

namespace portcullis::gate {
namespace {

// Where a request sorts: its decision time, then its id.
using Position = std::pair<int64_t, std::string>;

Position PositionOf(const DecisionState& state) {
  return {absl::ToUnixNanos(state.original.decided_at), state.original.id};
}

std::string TokenOf(const Position& p) {
  return absl::StrCat(p.first, ".", p.second);
}

absl::StatusOr<Position> ParseToken(absl::string_view token) {
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(token, absl::MaxSplits('.', 1));
  Position p;
  if (!absl::SimpleAtoi(parts.first, &p.first) ||
      !ValidateDecisionId(parts.second).ok()) {
    return absl::InvalidArgumentError(
        "page_token: not a token of this gate; send the next_page_token of "
        "the previous reply, or none for the first page");
  }
  p.second = std::string(parts.second);
  return p;
}

}  // namespace

absl::StatusOr<PendingPage> PagePending(
    const std::map<std::string, DecisionState>& pending,
    absl::string_view token, size_t page_size) {
  if (page_size == 0) page_size = kDefaultPendingPageSize;
  page_size = std::min(page_size, kMaxPendingPageSize);
  std::optional<Position> after;
  if (!token.empty()) {
    absl::StatusOr<Position> parsed = ParseToken(token);
    if (!parsed.ok()) return parsed.status();
    after = *std::move(parsed);
  }
  std::vector<std::pair<Position, const DecisionState*>> order;
  order.reserve(pending.size());
  for (const auto& [id, state] : pending) {
    Position p = PositionOf(state);
    if (after && !(*after < p)) continue;
    order.emplace_back(std::move(p), &state);
  }
  const size_t taken = std::min(page_size, order.size());
  std::partial_sort(
      order.begin(), order.begin() + taken, order.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });
  PendingPage page;
  page.requests.reserve(taken);
  for (size_t i = 0; i < taken; ++i) page.requests.push_back(*order[i].second);
  if (order.size() > taken) page.next_token = TokenOf(order[taken - 1].first);
  return page;
}

}  // namespace portcullis::gate
