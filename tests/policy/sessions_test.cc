// Session and sequence rules (issue 21 part 1): `after tool X`,
// count(tool X, W, session) and sum(args.A, W, session), their compile
// errors, and the session bounds.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "policy/builtin_rules.h"
#include "policy/explain.h"
#include "tests/policy/fake_usage.h"
#include "tests/policy/policy_testing.h"

namespace portcullis::policy {
namespace {

using testing::CitedIds;
using testing::FirstError;
using testing::MakeAction;
using testing::MoneyValue;
using testing::MustCompile;
using testing::Str;

constexpr char kSessionPolicy[] = R"(policy "s" version "1"
tenant "al-noor" {
  max_sessions 2
  max_session_events 5
  tool read_customer_pii {
    class read
    arg customer_id: string
    rule pii-ok "reading customers is fine" allow
  }
  tool send_email {
    class write
    arg to: string
    rule no-mail-after-pii "no external email once customer records were read"
      deny after tool read_customer_pii
    rule mail-ok "email is fine" allow
  }
  tool refund_order {
    class write
    arg amount: money(SAR)
    rule refund-count "at most 3 refunds an hour per conversation"
      deny when count(tool refund_order, 1h, session) >= 3
    rule refund-sum "at most 1000 SAR of refunds a day per conversation"
      deny when sum(args.amount, 24h, session) > 1000 SAR
    rule refund-ok "refunds are fine" allow
  }
  tool lookup {
    class read
    rule lookup-ok "lookups are fine" allow
  }
}
)";

Action InSession(std::string tool, std::string session,
                 std::map<std::string, Value> args = {},
                 std::string agent = "bot-1") {
  Action action = MakeAction("al-noor", std::move(tool), std::move(args));
  action.agent = std::move(agent);
  action.context.session_id = std::move(session);
  return action;
}

Action Pii(std::string session, std::string agent = "bot-1") {
  return InSession("read_customer_pii", std::move(session),
                   {{"customer_id", Str("c-1")}}, std::move(agent));
}
Action Mail(std::string session, std::string agent = "bot-1") {
  return InSession("send_email", std::move(session),
                   {{"to", Str("x@example.com")}}, std::move(agent));
}
Action Refund(std::string session, const char* amount) {
  return InSession("refund_order", std::move(session),
                   {{"amount", MoneyValue(amount, "SAR")}});
}

// Decides `action` at `now` and, like the gate, counts it when allowed.
Verdict Decide(const CompiledPolicy& policy, const Action& action,
               absl::Time now, testing::FakeUsage& usage) {
  auto verdict = policy.Evaluate(action, now, usage);
  REQUIRE(verdict.ok());
  if (verdict->outcome == Outcome::kAllow) usage.RecordCharges(*verdict, now);
  return *verdict;
}

const absl::Time kT0 = absl::FromUnixSeconds(1767500000);

TEST_CASE("after tool X denies X's follower once X was allowed in the session",
          "[sessions]") {
  auto policy = MustCompile(kSessionPolicy);
  testing::FakeUsage usage;
  CHECK(Decide(*policy, Mail("s-1"), kT0, usage).outcome == Outcome::kAllow);
  CHECK(Decide(*policy, Pii("s-1"), kT0 + absl::Seconds(1), usage).outcome ==
        Outcome::kAllow);
  Verdict after = Decide(*policy, Mail("s-1"), kT0 + absl::Seconds(2), usage);
  CHECK(after.outcome == Outcome::kDeny);
  CHECK(CitedIds(after) == std::vector<std::string>{"no-mail-after-pii"});
  // The taint stays: later mails in the session are denied too.
  CHECK(Decide(*policy, Mail("s-1"), kT0 + absl::Hours(2), usage).outcome ==
        Outcome::kDeny);
  // Another session of the same agent, and the same session id spoken by
  // another agent, are untainted: a session is bound to its agent.
  CHECK(Decide(*policy, Mail("s-2"), kT0 + absl::Seconds(3), usage).outcome ==
        Outcome::kAllow);
  CHECK(Decide(*policy, Mail("s-1", "bot-2"), kT0 + absl::Seconds(4), usage)
            .outcome == Outcome::kAllow);
}

TEST_CASE("the taint of after lasts its window (30 days unless given)",
          "[sessions]") {
  auto policy = MustCompile(kSessionPolicy);
  testing::FakeUsage usage;
  Decide(*policy, Pii("s-1"), kT0, usage);
  CHECK(Decide(*policy, Mail("s-1"),
               kT0 + absl::Hours(24 * 30) - absl::Seconds(1), usage)
            .outcome == Outcome::kDeny);
  CHECK(
      Decide(*policy, Mail("s-1"), kT0 + absl::Hours(24 * 30), usage).outcome ==
      Outcome::kAllow);
}

TEST_CASE("count() counts earlier allowed actions of the tool in the session",
          "[sessions]") {
  auto policy = MustCompile(kSessionPolicy);
  testing::FakeUsage usage;
  for (int i = 0; i < 3; ++i) {
    CHECK(Decide(*policy, Refund("s-1", "10"), kT0 + absl::Minutes(i), usage)
              .outcome == Outcome::kAllow);
  }
  Verdict fourth =
      Decide(*policy, Refund("s-1", "10"), kT0 + absl::Minutes(3), usage);
  CHECK(fourth.outcome == Outcome::kDeny);
  CHECK(CitedIds(fourth) == std::vector<std::string>{"refund-count"});
  // The denied one was not counted: an hour after the first, one has left
  // the window and the next is allowed again.
  CHECK(Decide(*policy, Refund("s-1", "10"), kT0 + absl::Hours(1), usage)
            .outcome == Outcome::kAllow);
  CHECK(Decide(*policy, Refund("s-2", "10"), kT0, usage).outcome ==
        Outcome::kAllow);
}

TEST_CASE("sum() adds up the argument over the session's allowed actions",
          "[sessions]") {
  auto policy = MustCompile(kSessionPolicy);
  testing::FakeUsage usage;
  CHECK(Decide(*policy, Refund("s-1", "600"), kT0, usage).outcome ==
        Outcome::kAllow);
  CHECK(Decide(*policy, Refund("s-1", "400"), kT0 + absl::Hours(2), usage)
            .outcome == Outcome::kAllow);
  // 1000 SAR so far is not > 1000 SAR.
  CHECK(Decide(*policy, Refund("s-1", "0.01"), kT0 + absl::Hours(3), usage)
            .outcome == Outcome::kAllow);
  Verdict over =
      Decide(*policy, Refund("s-1", "1"), kT0 + absl::Hours(4), usage);
  CHECK(over.outcome == Outcome::kDeny);
  CHECK(CitedIds(over) == std::vector<std::string>{"refund-sum"});
  CHECK(Decide(*policy, Refund("s-1", "1"), kT0 + absl::Hours(24), usage)
            .outcome == Outcome::kAllow);
}

TEST_CASE("a denied action is not counted in its session", "[sessions]") {
  auto policy = MustCompile(kSessionPolicy);
  testing::FakeUsage usage;
  Decide(*policy, Pii("s-1"), kT0, usage);
  Verdict denied = Decide(*policy, Mail("s-1"), kT0, usage);
  REQUIRE(denied.outcome == Outcome::kDeny);
  CHECK(denied.charges.empty());
}

TEST_CASE("an allowed action charges its session counters", "[sessions]") {
  auto policy = MustCompile(kSessionPolicy);
  testing::FakeUsage usage;
  Verdict v = Decide(*policy, Refund("s/1", "5"), kT0, usage);
  REQUIRE(v.outcome == Outcome::kAllow);
  std::vector<std::string> counters;
  for (const UsageCharge& c : v.charges) counters.push_back(c.counter);
  CHECK(counters ==
        std::vector<std::string>{
            "al-noor/session:events/agent=bot-1/session=s%2F1",
            "al-noor/session:count/tool=refund_order/agent=bot-1/session=s%2F1",
            "al-noor/session:sum/tool=refund_order/args.amount/agent=bot-1/"
            "session=s%2F1"});
  CHECK(v.charges[2].amount == testing::Dec("5"));
  CHECK(v.charges[0].window == absl::Hours(24 * 30));  // the longest read
  // A tool no session rule reads is not counted at all.
  Verdict lookup = Decide(*policy, InSession("lookup", "s/1"), kT0, usage);
  CHECK(lookup.charges.empty());
}

TEST_CASE("actions without a session id share one session per agent",
          "[sessions]") {
  auto policy = MustCompile(kSessionPolicy);
  testing::FakeUsage usage;
  Decide(*policy, Pii(""), kT0, usage);
  CHECK(Decide(*policy, Mail(""), kT0, usage).outcome == Outcome::kDeny);
}

TEST_CASE("a full session is denied by builtin:session-full", "[sessions]") {
  auto policy = MustCompile(kSessionPolicy);
  testing::FakeUsage usage;
  for (int i = 0; i < 5; ++i) {
    REQUIRE(
        Decide(*policy, Pii("s-1"), kT0 + absl::Seconds(i), usage).outcome ==
        Outcome::kAllow);
  }
  Verdict full = Decide(*policy, Pii("s-1"), kT0 + absl::Seconds(5), usage);
  CHECK(full.outcome == Outcome::kDeny);
  CHECK(CitedIds(full) ==
        std::vector<std::string>{std::string(kBuiltinSessionFull)});
  CHECK(absl::StrContains(full.reasons[0], "max_session_events 5"));
  // Tools the session does not count are unaffected.
  CHECK(Decide(*policy, InSession("lookup", "s-1"), kT0, usage).outcome ==
        Outcome::kAllow);
}

TEST_CASE("a new session beyond max_sessions is denied, live ones go on",
          "[sessions]") {
  auto policy = MustCompile(kSessionPolicy);
  testing::FakeUsage usage;
  REQUIRE(Decide(*policy, Pii("s-1"), kT0, usage).outcome == Outcome::kAllow);
  REQUIRE(Decide(*policy, Pii("s-2"), kT0, usage).outcome == Outcome::kAllow);
  Verdict third = Decide(*policy, Pii("s-3"), kT0, usage);
  CHECK(third.outcome == Outcome::kDeny);
  CHECK(CitedIds(third) ==
        std::vector<std::string>{std::string(kBuiltinSessionLimit)});
  CHECK(Decide(*policy, Pii("s-1"), kT0, usage).outcome == Outcome::kAllow);
  // Once the sessions' events have left the longest window, they end.
  CHECK(
      Decide(*policy, Pii("s-3"), kT0 + absl::Hours(24 * 30), usage).outcome ==
      Outcome::kAllow);
}

TEST_CASE("explain shows what a session rule read", "[sessions]") {
  auto policy = MustCompile(kSessionPolicy);
  testing::FakeUsage usage;
  Decide(*policy, Pii("s-1"), kT0, usage);
  Decide(*policy, Refund("s-1", "250"), kT0, usage);
  std::vector<RuleTrace> trace;
  auto verdict = policy->Evaluate(Mail("s-1"), kT0, usage, &trace);
  REQUIRE(verdict.ok());
  std::string text = FormatExplanation(Mail("s-1"), *verdict, trace);
  CHECK(absl::StrContains(
      text, "after tool read_customer_pii within 30d: 1 counted"));
  trace.clear();
  verdict = policy->Evaluate(Refund("s-1", "1"), kT0, usage, &trace);
  REQUIRE(verdict.ok());
  text = FormatExplanation(Refund("s-1", "1"), *verdict, trace);
  CHECK(absl::StrContains(text, "count(tool refund_order, 1h, session) = 1"));
  UNSCOPED_INFO(text);
  CHECK(absl::StrContains(text, "sum(args.amount, 1d, session) = 250 SAR"));
}

// --- compile errors -------------------------------------------------------

std::string WithRule(const std::string& rule,
                     const std::string& tenant_items = "") {
  return R"(policy "s" version "1"
tenant "t" {
)" + tenant_items +
         R"(  tool refund {
    class write
    arg amount: money(SAR)
    arg n: int
    arg note: string
)" + rule +
         R"(
  }
  tool mail {
    class write
  }
}
)";
}

TEST_CASE("session rules compile, including an int sum and dotted tools",
          "[sessions][compiler]") {
  MustCompile(WithRule(
      "    rule a \"a\" deny when sum(args.n, 1h, session) >= 10\n"
      "    rule b \"b\" approve by owner expires 1h after tool mail within 2h\n"
      "    rule c \"c\" limit 3 per 1h after tool \"mail\"\n"
      "    rule d \"d\" allow when count(tool mail, 366d, session) >= 1"));
}

TEST_CASE("count() of an unknown tool is an error at the tool's name",
          "[sessions][compiler]") {
  Diagnostic d = FirstError(WithRule(
      "    rule a \"a\" deny when count(tool maill, 1h, session) > 1"));
  CHECK(d.ToString() ==
        "test.policy:8:37: unknown tool \"maill\": tenant t declares mail, "
        "refund");
}

TEST_CASE("after an unknown tool is an error", "[sessions][compiler]") {
  Diagnostic d = FirstError(WithRule("    rule a \"a\" deny after tool nope"));
  CHECK(d.line == 8);
  CHECK(d.column == 32);
  CHECK(absl::StrContains(d.message, "unknown tool \"nope\""));
}

TEST_CASE("a session window longer than 366 days is an error",
          "[sessions][compiler]") {
  Diagnostic d = FirstError(WithRule(
      "    rule a \"a\" deny when count(tool mail, 367d, session) > 1"));
  CHECK(d.ToString() ==
        "test.policy:8:43: count() looks back at most 366d, like a limit; "
        "not 367d");
  d = FirstError(WithRule("    rule a \"a\" deny after tool mail within 400d"));
  CHECK(d.line == 8);
  CHECK(d.column == 44);
  CHECK(absl::StrContains(d.message, "at most 366d"));
}

TEST_CASE("sum() of a string argument is an error", "[sessions][compiler]") {
  Diagnostic d = FirstError(
      WithRule("    rule a \"a\" deny when sum(args.note, 1h, session) > 1"));
  CHECK(d.ToString() ==
        "test.policy:8:30: sum() adds up money or an int, but args.note is "
        "string");
}

TEST_CASE("sum() compares with money of its currency only",
          "[sessions][compiler]") {
  Diagnostic d = FirstError(WithRule(
      "    rule a \"a\" deny when sum(args.amount, 1h, session) > 5 USD"));
  CHECK(d.line == 8);
  UNSCOPED_INFO(d.ToString());
  CHECK(absl::StrContains(d.message, "USD"));
}

TEST_CASE("after on an allow rule is an error: a taint only tightens",
          "[sessions][compiler]") {
  Diagnostic d = FirstError(WithRule("    rule a \"a\" allow after tool mail"));
  CHECK(d.line == 8);
  CHECK(d.column == 22);
  CHECK(absl::StartsWith(d.message, "'after' only applies to deny, approve"));
}

TEST_CASE("count() is kept per session only", "[sessions][compiler]") {
  Diagnostic d = FirstError(
      WithRule("    rule a \"a\" deny when count(tool mail, 1h, agent) > 1"));
  CHECK(d.line == 8);
  CHECK(d.column == 47);
  CHECK(absl::StrContains(d.message, "write session"));
}

TEST_CASE("a tenant-wide sum() is an error: arguments belong to a tool",
          "[sessions][compiler]") {
  Diagnostic d = FirstError(WithRule(
      "", "  rule w \"w\" deny when sum(args.amount, 1h, session) > 1 SAR\n"));
  CHECK(d.line == 3);
  CHECK(absl::StrContains(d.message, "tenant-wide rule cannot read"));
}

TEST_CASE("session bounds are checked", "[sessions][compiler]") {
  Diagnostic d = FirstError(WithRule("", "  max_sessions 0\n"));
  CHECK(d.line == 3);
  d = FirstError(WithRule("", "  max_session_events 100001\n"));
  CHECK(d.line == 3);
  d = FirstError(WithRule("    rule a \"a\" deny after tool mail",
                          "  max_sessions 5\n  max_sessions 6\n"));
  CHECK(absl::StrContains(d.message, "given twice"));
  // A bound without any session rule is a mistake worth saying.
  d = FirstError(WithRule("", "  max_sessions 5\n"));
  CHECK(absl::StrContains(d.message, "no rule reads one"));
}

TEST_CASE("malformed count() and sum() are syntax errors",
          "[sessions][compiler]") {
  CHECK(FirstError(WithRule("    rule a \"a\" deny when count(mail, 1h, "
                            "session) > 1"))
            .column == 32);
  CHECK(FirstError(WithRule("    rule a \"a\" deny when count(tool mail) > 1"))
            .line == 8);
  CHECK(FirstError(WithRule("    rule a \"a\" deny when count(tool mail, 1h, "
                            "session) "))
            .line >= 8);
  CHECK(FirstError(WithRule("    rule a \"a\" deny after mail")).column == 27);
}

TEST_CASE(
    "an irreversible tool's approval with after does not count as "
    "unconditional",
    "[sessions][compiler]") {
  Diagnostic d = FirstError(R"(policy "s" version "1"
tenant "t" {
  tool mail { class write }
  tool refund {
    class write
    irreversible
    rule r "r" approve by owner expires 1h after tool mail
    rule ok "ok" allow
  }
}
)");
  CHECK(absl::StrContains(d.message, "irreversible"));
}

TEST_CASE("after a syntax error, 'tool' in after or count() starts nothing",
          "[sessions][compiler]") {
  std::vector<Diagnostic> errors = testing::CompileErrors(
      WithRule("    rule a \"a\" allow after tool mail\n"
               "    rule b \"b\" deny when count(mail, 1h, session) > 1\n"
               "    rule c \"c\" deny when count(tool mail, 1h, session > 1"));
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].line == 8);
  CHECK(errors[1].line == 9);
  CHECK(errors[2].line == 10);
  for (const Diagnostic& d : errors) {
    CHECK_FALSE(absl::StrContains(d.message, "to open the tool"));
  }
}

}  // namespace
}  // namespace portcullis::policy
