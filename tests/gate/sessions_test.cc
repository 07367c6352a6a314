// Session rules through the gate core (issue 21 part 1): a session's
// counters are charged only by what was allowed (or approved), bound to the
// agent, bounded, and rebuilt at restart from the ledger or a snapshot.
#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "gate/internal/recovery.h"
#include "gate/internal/state_snapshotter.h"
#include "policy/builtin_rules.h"
#include "tests/gate/approval_fixture.h"

namespace portcullis::gate {
namespace {

using policy::Outcome;

constexpr char kSessionPolicy[] = R"(
policy "sessions" version "1"
tenant "shop" {
  max_session_events 4
  tool read_customer_pii {
    class read
    arg customer_id: string
    rule vip "reading a VIP's record needs the owner"
      approve by owner expires 1h when args.customer_id == "vip"
    rule pii-ok "reading customer records is fine" allow
  }
  tool send_email {
    class write
    arg to: string
    rule no-mail-after-pii "no external email once customer records were read"
      deny after tool read_customer_pii
    rule mail-ok "email is fine" allow
  }
}
)";

class SessionFixture : public ApprovalFixture {
 public:
  SessionFixture() { ApplyPolicyText(*this, kSessionPolicy); }

  void RestartWithSessions() {
    Restart();
    REQUIRE(gate().Recover().ok());
    ApplyPolicyText(*this, kSessionPolicy);
  }

  policy::Action Pii(const char* session, const char* customer = "c-1",
                     const char* agent = "support-bot") {
    policy::Action a = MakeAction("shop", "read_customer_pii");
    a.arguments.clear();
    a.arguments["customer_id"] = policy::Value{std::string(customer)};
    a.agent = agent;
    a.context.session_id = session;
    return a;
  }

  policy::Action Mail(const char* session, const char* agent = "support-bot") {
    policy::Action a = MakeAction("shop", "send_email");
    a.arguments.clear();
    a.arguments["to"] = policy::Value{std::string("x@example.com")};
    a.agent = agent;
    a.context.session_id = session;
    return a;
  }

  Outcome Decide(const policy::Action& a) {
    auto d = gate().Evaluate(a, {"bot"});
    REQUIRE(d.ok());
    return d->verdict.outcome;
  }
};

TEST_CASE("a session's taint holds in the gate and only for its session",
          "[sessions]") {
  SessionFixture f;
  CHECK(f.Decide(f.Mail("s-1")) == Outcome::kAllow);
  CHECK(f.Decide(f.Pii("s-1")) == Outcome::kAllow);
  auto denied = f.gate().Evaluate(f.Mail("s-1"), {"bot"});
  REQUIRE(denied.ok());
  CHECK(denied->verdict.outcome == Outcome::kDeny);
  REQUIRE(denied->verdict.decided_by.size() == 1);
  CHECK(denied->verdict.decided_by[0].id == "no-mail-after-pii");
  CHECK(f.Decide(f.Mail("s-2")) == Outcome::kAllow);
  // Another agent naming the same session id has a session of its own.
  CHECK(f.Decide(f.Mail("s-1", "other-bot")) == Outcome::kAllow);
}

TEST_CASE("a pending action taints its session only once approved",
          "[sessions]") {
  SessionFixture f;
  auto pending = f.gate().Evaluate(f.Pii("s-1", "vip"), {"bot"});
  REQUIRE(pending.ok());
  REQUIRE(pending->verdict.outcome == Outcome::kPendingApproval);
  CHECK(f.Decide(f.Mail("s-1")) == Outcome::kAllow);
  auto granted = f.Submit(f.For(*pending, "alice"));
  REQUIRE(granted.ok());
  REQUIRE(granted->decision.verdict.outcome == Outcome::kAllow);
  CHECK(f.Decide(f.Mail("s-1")) == Outcome::kDeny);
}

TEST_CASE("a taint survives a restart that replays the ledger", "[sessions]") {
  SessionFixture f;
  REQUIRE(f.Decide(f.Pii("s-1")) == Outcome::kAllow);
  f.clock().Advance(absl::Minutes(5));
  f.RestartWithSessions();
  CHECK(f.Decide(f.Mail("s-1")) == Outcome::kDeny);
  CHECK(f.Decide(f.Mail("s-2")) == Outcome::kAllow);
}

TEST_CASE("a taint survives a restart from the state snapshot", "[sessions]") {
  SessionFixture f;
  f.RestartWithSessions();
  REQUIRE(f.gate().snapshotter() != nullptr);
  REQUIRE(f.Decide(f.Pii("s-1")) == Outcome::kAllow);
  auto head = f.ledger().Head("shop");
  REQUIRE(head.has_value());
  REQUIRE(f.gate().snapshotter()->WriteSnapshot("shop", head->sequence).ok());
  f.RestartWithSessions();
  const TenantRecovery* shop = nullptr;
  for (const TenantRecovery& r : f.gate().recovery()) {
    if (r.tenant == "shop") shop = &r;
  }
  REQUIRE(shop != nullptr);
  CHECK(shop->snapshot_sequence == head->sequence);
  CHECK(shop->entries_read == 0);  // nothing after the snapshot to read
  CHECK(f.Decide(f.Mail("s-1")) == Outcome::kDeny);
  CHECK(f.Decide(f.Mail("s-2")) == Outcome::kAllow);
}

TEST_CASE("a full session is denied and the denial is recorded", "[sessions]") {
  SessionFixture f;
  for (int i = 0; i < 4; ++i) {
    REQUIRE(f.Decide(f.Pii("s-1")) == Outcome::kAllow);
  }
  const int evaluated = f.Count("action.evaluated");
  auto full = f.gate().Evaluate(f.Pii("s-1"), {"bot"});
  REQUIRE(full.ok());
  CHECK(full->verdict.outcome == Outcome::kDeny);
  REQUIRE(full->verdict.decided_by.size() == 1);
  CHECK(full->verdict.decided_by[0].id == policy::kBuiltinSessionFull);
  CHECK(absl::StrContains(full->verdict.reasons[0], "max_session_events 4"));
  CHECK(f.Count("action.evaluated") == evaluated + 1);
  // A new session is unaffected.
  CHECK(f.Decide(f.Pii("s-2")) == Outcome::kAllow);
}

}  // namespace
}  // namespace portcullis::gate
