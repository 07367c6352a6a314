// Halting and resuming tenants and the whole gate.
#include <catch2/catch.hpp>

#include "tests/gate/approval_fixture.h"

namespace portcullis::gate {
namespace {

using policy::Outcome;

policy::Action Reply(const std::string& tenant) {
  policy::Action a = MakeAction(tenant, "reply_customer");
  a.arguments.clear();
  a.arguments["text"] = policy::Value{std::string("hello")};
  return a;
}

TEST_CASE("a halted tenant is denied, recorded, and resumes on request",
          "[kill_switch]") {
  ApprovalFixture f;
  auto before = f.gate().Evaluate(Reply("shop"), {});
  REQUIRE(before.ok());
  REQUIRE(before->verdict.outcome == Outcome::kAllow);
  Decision pending = f.Pending(f.Refund("120.00"));

  REQUIRE(f.gate().Halt("shop", "incident 42", {"ops"}).ok());
  auto halted = f.gate().Evaluate(Reply("shop"), {});
  REQUIRE(halted.ok());
  CHECK(halted->verdict.outcome == Outcome::kDeny);
  CHECK(halted->verdict.decided_by[0].id == "builtin:halted");
  CHECK(halted->verdict.reasons[0] == "tenant shop is halted: incident 42");
  // An earlier grant cannot be used while halted.
  auto execute = f.gate().Execute(before->id, Reply("shop"), {});
  CHECK(execute.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(execute.status().message().find("halted") != std::string::npos);
  // Pending requests are kept; once approved they still cannot run.
  CHECK(f.gate().ListPending("shop")->size() == 1);
  REQUIRE(f.Submit(f.For(pending, "alice")).ok());
  CHECK(f.gate().Execute(pending.id, f.Refund("120.00"), {}).status().code() ==
        absl::StatusCode::kFailedPrecondition);
  // Other tenants are unaffected.
  CHECK(f.gate().Evaluate(Reply("other"), {})->verdict.outcome ==
        Outcome::kAllow);

  REQUIRE(f.gate().Resume("shop", "incident closed", {"ops"}).ok());
  CHECK(f.gate().Evaluate(Reply("shop"), {})->verdict.outcome ==
        Outcome::kAllow);
  CHECK(f.gate().Execute(pending.id, f.Refund("120.00"), {}).ok());
  CHECK(f.Count("tenant.halted") == 1);
  CHECK(f.Count("tenant.resumed") == 1);
}

TEST_CASE("halting twice or resuming what runs is refused", "[kill_switch]") {
  ApprovalFixture f;
  CHECK(f.gate().Resume("shop", "", {}).code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(f.gate().Halt("shop", "", {}).code() ==
        absl::StatusCode::kInvalidArgument);
  REQUIRE(f.gate().Halt("shop", "why", {}).ok());
  CHECK(f.gate().Halt("shop", "why", {}).code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(f.gate().Halt("nowhere", "why", {}).code() ==
        absl::StatusCode::kNotFound);
  CHECK(f.gate().Halt("../x", "why", {}).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(f.Count("tenant.halted") == 1);
}

TEST_CASE("halting the whole gate denies every tenant until resumed",
          "[kill_switch]") {
  ApprovalFixture f;
  REQUIRE(f.gate().Halt("shop", "shop incident", {}).ok());
  REQUIRE(f.gate().Halt("", "gate incident", {}).ok());
  for (const char* tenant : {"shop", "other"}) {
    CHECK(f.gate().Evaluate(Reply(tenant), {})->verdict.outcome ==
          Outcome::kDeny);
  }
  REQUIRE(f.gate().Resume("", "gate fixed", {}).ok());
  CHECK(f.gate().Evaluate(Reply("other"), {})->verdict.outcome ==
        Outcome::kAllow);
  // The tenant halted on its own stays halted.
  auto shop = f.gate().Evaluate(Reply("shop"), {});
  CHECK(shop->verdict.outcome == Outcome::kDeny);
  CHECK(shop->verdict.reasons[0].find("shop incident") != std::string::npos);
  GateStatus status = f.gate().Status();
  CHECK_FALSE(status.gate_halted.has_value());
  REQUIRE(status.tenants.size() == 2);
  CHECK(status.tenants[1].tenant == "shop");
  CHECK(status.tenants[1].halted ==
        std::optional<std::string>("shop incident"));
}

TEST_CASE("halts survive a restart", "[kill_switch]") {
  ApprovalFixture f;
  REQUIRE(f.gate().Halt("shop", "incident", {}).ok());
  REQUIRE(f.gate().Halt("", "everything", {}).ok());
  f.RestartAndRecover();
  GateStatus status = f.gate().Status();
  CHECK(status.gate_halted == std::optional<std::string>("everything"));
  CHECK(f.gate().Evaluate(Reply("other"), {})->verdict.outcome ==
        Outcome::kDeny);
  REQUIRE(f.gate().Resume("", "ok", {}).ok());
  f.RestartAndRecover();
  CHECK(f.gate().Evaluate(Reply("other"), {})->verdict.outcome ==
        Outcome::kAllow);
  CHECK(f.gate().Evaluate(Reply("shop"), {})->verdict.outcome ==
        Outcome::kDeny);
}

}  // namespace
}  // namespace portcullis::gate
