// Bounded approval queues (issue 15, item 9): caps per agent and per
// tenant, and paging through what is waiting.
#include <catch2/catch.hpp>
#include <set>

#include "absl/strings/str_cat.h"
#include "gate/pending_page.h"
#include "tests/gate/approval_fixture.h"

namespace portcullis::gate {
namespace {

// A refund of `agent`, distinct by order so each is its own request.
policy::Action RefundBy(ApprovalFixture& f, const std::string& agent, int n) {
  std::string order = "AN-" + std::to_string(n);
  policy::Action a = f.Refund("120.00", order.c_str());
  a.agent = agent;
  return a;
}

TEST_CASE("an agent over its pending cap is refused and recorded",
          "[pending_limits]") {
  ApprovalFixture f;
  f.options().max_pending_per_agent = 3;
  f.options().max_pending_per_tenant = 5;
  f.RestartAndRecover();
  for (int i = 0; i < 3; ++i) f.Pending(RefundBy(f, "bot-a", i));
  auto refused = f.gate().Evaluate(RefundBy(f, "bot-a", 3), {"p"});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(f.Count("action.rejected") == 1);
  // Another agent still has room, up to the tenant's cap.
  f.Pending(RefundBy(f, "bot-b", 10));
  f.Pending(RefundBy(f, "bot-b", 11));
  refused = f.gate().Evaluate(RefundBy(f, "bot-c", 12), {"p"});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(f.Count("action.rejected") == 2);
  CHECK(f.gate().ListPending("shop")->size() == 5);
  // A decision that needs no approval is not affected by a full queue.
  auto denied = f.gate().Evaluate(f.Refund("6000.00", "AN-99"), {"p"});
  REQUIRE(denied.ok());
  CHECK(denied->verdict.outcome == policy::Outcome::kDeny);
}

TEST_CASE("pending requests come in pages that cover each exactly once",
          "[pending_limits]") {
  ApprovalFixture f;
  for (int i = 0; i < 7; ++i) {
    f.Pending(RefundBy(f, "bot", i));
    f.clock().Advance(absl::Seconds(1));
  }
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  absl::Time last = absl::InfinitePast();
  do {
    auto page = f.gate().ListPendingPage("shop", token, 3);
    REQUIRE(page.ok());
    CHECK(page->requests.size() <= 3);
    for (const DecisionState& s : page->requests) {
      CHECK(seen.insert(s.original.id).second);
      CHECK(s.original.decided_at >= last);  // oldest first
      last = s.original.decided_at;
    }
    token = page->next_token;
    ++pages;
  } while (!token.empty());
  CHECK(pages == 3);
  CHECK(seen.size() == 7);

  auto bad = f.gate().ListPendingPage("shop", "not-a-token", 3);
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  // The default and the largest page.
  auto all = f.gate().ListPendingPage("shop", "", 0);
  REQUIRE(all.ok());
  CHECK(all->requests.size() == 7);
  CHECK(all->next_token.empty());
}

TEST_CASE("page sizes are bounded", "[pending_limits]") {
  std::map<std::string, DecisionState> pending;
  for (int i = 0; i < 600; ++i) {
    DecisionState s;
    s.original.id =
        absl::StrCat(std::string(16, '0'), absl::Hex(i, absl::kZeroPad16));
    s.original.decided_at = absl::FromUnixSeconds(i);
    pending.emplace(s.original.id, s);
  }
  auto page = PagePending(pending, "", 100000);
  REQUIRE(page.ok());
  CHECK(page->requests.size() == kMaxPendingPageSize);
  CHECK_FALSE(page->next_token.empty());
  page = PagePending(pending, "", 0);
  REQUIRE(page.ok());
  CHECK(page->requests.size() == kDefaultPendingPageSize);
}

}  // namespace
}  // namespace portcullis::gate
