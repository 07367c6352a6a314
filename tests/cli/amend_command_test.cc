// `portcullis policy amend`: an approver's proposal, recorded by a real gate
// on a real ledger, becomes policy source; the diff shows the rule and the
// replay lists exactly the past decisions it changes.
#include "cli/amend_command.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "cli/text_file.h"
#include "policy/compiler.h"
#include "tests/cli/captured.h"
#include "tests/gate/approval_fixture.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::cli {
namespace {

constexpr char kPolicy[] = R"(policy "refunds" version "1"
tenant "shop" {
  tool refund_order {
    class write
    arg order_id: string
    arg amount: money(SAR)
    arg reason: enum(damaged, late, other) = "other"
    rule big-refunds "refunds over 100 SAR need the owner"
      approve by owner expires 24h when args.amount > 100 SAR
  }
}
)";

constexpr char kRule[] =
    "rule damaged-refunds \"refunds up to 100 SAR for damaged items\"\n"
    "  allow when args.amount <= 100 SAR and args.reason == \"damaged\"";

policy::Action Refund(const char* amount, const char* reason,
                      const char* order) {
  policy::Action a = gate::MakeAction("shop", "refund_order");
  a.arguments.clear();
  a.arguments["order_id"] = policy::Value{std::string(order)};
  a.arguments["amount"] =
      policy::Value{policy::Money{*policy::Decimal::Parse(amount), "SAR"}};
  a.arguments["reason"] = policy::Value{std::string(reason)};
  a.idempotency_key = std::string("refund-") + order;
  return a;
}

// A gate that decided four refunds; the owner approved the big one with an
// amendment proposal.
struct Recorded {
  testing::TempDir dir;
  std::string policy_path = dir.Sub("refunds.policy");
  gate::ApprovalFixture gate{dir.Sub("data")};
  std::string small_damaged, small_late, big, other_damaged, proposal;

  Recorded() {
    std::ofstream(policy_path) << kPolicy;
    gate::ApplyPolicyText(gate, kPolicy);
    auto decide = [&](const char* amount, const char* reason, const char* order,
                      policy::Outcome outcome) {
      auto d = gate.gate().Evaluate(Refund(amount, reason, order), {"bot"});
      REQUIRE(d.ok());
      REQUIRE(d->verdict.outcome == outcome);
      return *d;
    };
    small_damaged =
        decide("50.00", "damaged", "AN-1", policy::Outcome::kDeny).id;
    small_late = decide("50.00", "late", "AN-2", policy::Outcome::kDeny).id;
    gate::Decision pending =
        decide("500.00", "damaged", "AN-3", policy::Outcome::kPendingApproval);
    big = pending.id;
    gate::Approval a = gate.For(pending, "alice");
    a.amendment = gate::AmendmentProposal{
        "refund_order", kRule, "damaged refunds this small need no one"};
    auto result = gate.Submit(a);
    REQUIRE(result.ok());
    proposal = result->proposal_id;
    REQUIRE(proposal.size() == 16);
    other_damaged =
        decide("80.00", "damaged", "AN-4", policy::Outcome::kDeny).id;
  }

  PolicyAmendArgs Args(std::string out = "") {
    return {proposal, dir.Sub("data"), "shop", policy_path, std::move(out), ""};
  }
};

TEST_CASE("policy amend writes the rule diffs it and replays the ledger",
          "[cli][amend]") {
  Recorded r;
  Captured c;
  const std::string out = r.dir.Sub("amended.policy");
  REQUIRE(RunPolicyAmend(r.Args(out), c.io) == kExitOk);
  const std::string report = c.out.str();
  INFO(report << c.err.str());

  // The source compiles and carries the citation.
  auto amended = ReadTextFile(out);
  REQUIRE(amended.ok());
  CHECK(amended->find("      from proposal \"" + r.proposal + "\"\n") !=
        std::string::npos);
  std::vector<policy::SourceFile> files = {{"amended.policy", *amended}};
  CHECK(policy::Compile(files).errors.empty());

  // The diff shows the rule being added.
  CHECK(report.find("--- a/") != std::string::npos);
  CHECK(report.find("+    rule damaged-refunds \"refunds up to 100 SAR for "
                    "damaged items\"\n") != std::string::npos);
  CHECK(report.find("+      from proposal \"" + r.proposal + "\"\n") !=
        std::string::npos);
  CHECK(report.find("proposal " + r.proposal + " by alice with decision " +
                    r.big) != std::string::npos);

  // Exactly the two small damaged refunds change.
  CHECK(report.find("replayed 4 recorded actions of tenant shop: 2 decisions "
                    "would change with rule damaged-refunds") !=
        std::string::npos);
  const std::string flip =
      "  DENY (builtin:default-deny) -> ALLOW (damaged-refunds)";
  CHECK(report.find(r.small_damaged + flip) != std::string::npos);
  CHECK(report.find(r.other_damaged + flip) != std::string::npos);
  CHECK(report.find(r.small_late) == std::string::npos);
  CHECK(report.find("  " + r.big + "  ") == std::string::npos);
}

TEST_CASE("policy amend without --out writes the source to standard output",
          "[cli][amend]") {
  Recorded r;
  Captured c;
  REQUIRE(RunPolicyAmend(r.Args(), c.io) == kExitOk);
  CHECK(c.out.str().starts_with("policy \"refunds\" version \"1\"\n"));
  CHECK(c.out.str().find("from proposal") != std::string::npos);
  CHECK(c.err.str().find("2 decisions would change") != std::string::npos);
}

TEST_CASE("policy amend refuses an unknown proposal and missing flags",
          "[cli][amend]") {
  Recorded r;
  Captured c;
  PolicyAmendArgs args = r.Args();
  args.proposal = "0000000000000000";
  CHECK(RunPolicyAmend(args, c.io) == kExitFailed);
  CHECK(c.err.str().find("no proposal 0000000000000000") != std::string::npos);
  CHECK(c.out.str().empty());
  args = r.Args();
  args.policy.clear();
  CHECK(RunPolicyAmend(args, c.io) == kExitUsage);
}

TEST_CASE("a unified diff of an insertion has its context and counts",
          "[cli][amend]") {
  CHECK(UnifiedDiff("p", "a\nb\n", "a\nb\n").empty());
  CHECK(UnifiedDiff("p", "1\n2\n3\n4\n5\n}\n", "1\n2\n3\n4\n5\nnew\n}\n") ==
        "--- a/p\n+++ b/p\n@@ -3,4 +3,5 @@\n 3\n 4\n 5\n+new\n }\n");
  CHECK(UnifiedDiff("p", "", "x\n") ==
        "--- a/p\n+++ b/p\n@@ -0,0 +1,1 @@\n+x\n");
}

}  // namespace
}  // namespace portcullis::cli
