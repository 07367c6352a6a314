#include "cli/replay_command.h"

#include <google/protobuf/util/json_util.h>

#include <catch2/catch.hpp>
#include <iostream>

#include "cli/recording_reader.h"
#include "cli/text_file.h"
#include "portcullis/replay/v1/report.pb.h"
#include "tests/cli/replay_fixture.h"

namespace portcullis::cli {
namespace {

int Replay(const ReplayDir& d, ReplayArgs args, Captured& c) {
  if (args.policy.empty()) args.policy = d.Path("shop.policy");
  if (args.input.empty()) args.input = d.Path("recording.jsonl");
  return RunReplay(args, c.io);
}

TEST_CASE("replaying against the policy that decided changes nothing",
          "[cli][replay]") {
  ReplayDir d;
  Captured c;
  CHECK(Replay(d, {}, c) == kExitOk);
  CHECK(c.out.str() == "replayed 6 actions from " + d.Path("recording.jsonl") +
                           " against policy version 1 (" +
                           c.out.str().substr(c.out.str().find('(') + 1, 12) +
                           "): 0 changed, 0 expected, 0 unexpected\n"
                           "OK: no decision changed\n");
  CHECK(c.err.str().empty());
}

TEST_CASE(
    "a policy edit that flips a decision is reported with the rules before "
    "and after, and exits 1",
    "[cli][replay]") {
  ReplayDir d;
  Captured c;
  CHECK(Replay(d, {d.Path("candidate.policy")}, c) == kExitFailed);
  const std::string out = c.out.str();
  INFO(out);
  CHECK(out.find("): 1 changed, 0 expected, 1 unexpected\n"
                 "  1 ALLOW → DENY\n") != std::string::npos);
  CHECK(out.find("CHANGED " + d.Path("recording.jsonl") +
                 ":5 2026-01-05T11:30:00Z shop/create_coupon agent bot\n"
                 "  before: ALLOW by coupons\n"
                 "  after:  DENY by coupon-cap\n"
                 "          coupon-cap: coupons are capped at 30 SAR\n"
                 "          reason: coupons are capped at 30 SAR\n") !=
        std::string::npos);
  CHECK(out.find("FAIL: 1 unexpected change\n") != std::string::npos);
}

TEST_CASE("changes listed in --expect pass, stale expectations are noted",
          "[cli][replay]") {
  ReplayDir d;
  d.Write("expect.yaml",
          "# the cap goes down to 30 SAR\n"
          "changes:\n"
          "  - tool: create_coupon\n"
          "    before: OUTCOME_ALLOW\n"
          "    after: OUTCOME_DENY\n"
          "    decidedByAfter: [coupon-cap]\n"
          "    note: cap lowered to 30 SAR\n"
          "  - tenant: nobody\n"
          "    note: left over\n");
  Captured c;
  CHECK(Replay(d, {d.Path("candidate.policy"), "", d.Path("expect.yaml")}, c) ==
        kExitOk);
  const std::string out = c.out.str();
  INFO(out);
  CHECK(out.find("1 changed, 1 expected, 0 unexpected") != std::string::npos);
  CHECK(out.find("EXPECTED " + d.Path("recording.jsonl") + ":5") !=
        std::string::npos);
  CHECK(out.find("expected by expectation 1: cap lowered to 30 SAR") !=
        std::string::npos);
  CHECK(out.find("note: expectation 2 (left over) matched no change") !=
        std::string::npos);
  CHECK(out.find("OK: every change is expected") != std::string::npos);

  SECTION("an expectation that does not match leaves the change unexpected") {
    d.Write(
        "expect.json",
        R"({"changes": [{"tool": "create_coupon", "after": "OUTCOME_PENDING_APPROVAL"}]})");
    Captured other;
    CHECK(Replay(d, {d.Path("candidate.policy"), "", d.Path("expect.json")},
                 other) == kExitFailed);
  }
}

TEST_CASE("malformed recording lines exit 2 naming the file and line",
          "[cli][replay]") {
  ReplayDir d;
  std::vector<std::string> lines = MorningLines();
  std::string says;
  SECTION("not JSON") {
    lines[2] = "{\"time\": ";
    says = ":3: not a recorded action in JSON";
  }
  SECTION("a field the format does not have") {
    lines[1].insert(1, R"("outcome":"OUTCOME_ALLOW",)");
    says = ":2: not a recorded action in JSON";
  }
  SECTION("no decision") {
    lines[3] = R"({"time":"2026-01-05T10:15:00Z","action":{"tenant":"shop"}})";
    says = ":4: \"decision\" is required";
  }
  SECTION("out of time order") {
    lines[5] =
        CouponLine("2026-01-05T09:00:00Z", "10", "DENY", R"("coupon-hours")");
    says = ":6: time 2026-01-05T09:00:00Z is before the previous action";
  }
  SECTION("a line too long") {
    lines[0] = std::string(RecordingReader::kMaxLineBytes + 1, ' ');
    says = ":1: the line is longer than";
  }
  d.WriteLines("recording.jsonl", lines);
  Captured c;
  CHECK(Replay(d, {}, c) == kExitUsage);
  INFO(c.err.str());
  CHECK(c.err.str().find(d.Path("recording.jsonl") + says) !=
        std::string::npos);
  CHECK(c.out.str().empty());
}

TEST_CASE("blank lines are skipped and keep line numbers", "[cli][replay]") {
  ReplayDir d;
  std::vector<std::string> lines = MorningLines();
  lines.insert(lines.begin() + 1, "");
  lines.insert(lines.begin() + 1, "   ");
  d.WriteLines("recording.jsonl", lines);
  Captured c;
  CHECK(Replay(d, {d.Path("candidate.policy")}, c) == kExitFailed);
  CHECK(c.out.str().find("replayed 6 actions") != std::string::npos);
  CHECK(c.out.str().find("recording.jsonl:7 ") != std::string::npos);
}

TEST_CASE("a recording can come on standard input", "[cli][replay]") {
  ReplayDir d;
  std::string text;
  for (const std::string& line : MorningLines()) text += line + "\n";
  std::istringstream in(text);
  std::streambuf* saved = std::cin.rdbuf(in.rdbuf());
  Captured c;
  int code = RunReplay({d.Path("candidate.policy"), "-"}, c.io);
  std::cin.rdbuf(saved);
  CHECK(code == kExitFailed);
  CHECK(c.out.str().find("replayed 6 actions from <stdin>") !=
        std::string::npos);
  CHECK(c.out.str().find("CHANGED <stdin>:5 ") != std::string::npos);
}

TEST_CASE("bad input exits 2 with a message", "[cli][replay]") {
  ReplayDir d;
  d.Write("broken.policy", "policy \"shop\" version \"3\"\ntenant {\n");
  d.Write("bad-expect.yaml", "changes:\n  - note: everything\n");
  d.Write("bad-field.yaml", "changes:\n  - tool: x\n  - tols: y\n");
  d.Write("not-a-list.yaml", "changes: 3\n");
  struct Bad {
    ReplayArgs args;
    std::string says;
  };
  for (const Bad& bad : std::vector<Bad>{
           {{"", "x"}, "--policy FILE|DIR and --input"},
           {{d.Path("missing.policy")}, "missing.policy"},
           {{d.Path("broken.policy")}, "broken.policy:2:"},
           {{"", d.Path("missing.jsonl")}, "cannot read"},
           {{"", "", d.Path("missing.yaml")}, "cannot read"},
           {{"", "", d.Path("bad-expect.yaml")},
            "bad-expect.yaml:2: an expectation must name"},
           {{"", "", d.Path("bad-field.yaml")}, "bad-field.yaml:3: "},
           {{"", "", d.Path("not-a-list.yaml")}, "must be a list"},
       }) {
    Captured c;
    ReplayArgs args = bad.args;
    if (args.input == "x") args.policy.clear();
    CHECK((args.input == "x" ? RunReplay(args, c.io) : Replay(d, args, c)) ==
          kExitUsage);
    INFO(c.err.str());
    CHECK(c.err.str().find(bad.says) != std::string::npos);
  }
}

TEST_CASE("replaying the same input twice gives the same bytes",
          "[cli][replay]") {
  ReplayDir d;
  for (bool json : {false, true}) {
    Captured first, second;
    ReplayArgs args{d.Path("candidate.policy"), "", "", d.Path("1.xml"), json};
    CHECK(Replay(d, args, first) == kExitFailed);
    args.junit = d.Path("2.xml");
    CHECK(Replay(d, args, second) == kExitFailed);
    CHECK(first.out.str() == second.out.str());
    CHECK(*ReadTextFile(d.Path("1.xml")) == *ReadTextFile(d.Path("2.xml")));
  }
}

TEST_CASE("the JSON report is a ReplayReport", "[cli][replay]") {
  ReplayDir d;
  Captured c;
  CHECK(Replay(d, {d.Path("candidate.policy"), "", "", "", true}, c) ==
        kExitFailed);
  replay::v1::ReplayReport report;
  REQUIRE(
      google::protobuf::util::JsonStringToMessage(c.out.str(), &report).ok());
  CHECK(report.actions() == 6);
  CHECK(report.unexpected() == 1);
  REQUIRE(report.changes_size() == 1);
  const replay::v1::ChangedDecision& change = report.changes(0);
  CHECK(change.line() == 5);
  CHECK(change.before().outcome() == replay::v1::OUTCOME_ALLOW);
  CHECK(change.before().decided_by(0) == "coupons");
  CHECK(change.after().outcome() == replay::v1::OUTCOME_DENY);
  CHECK(change.after().decided_by(0).id() == "coupon-cap");
  CHECK(report.policy().version() == "2");
  // Argument values stay in the recording.
  CHECK(c.out.str().find("c-1") == std::string::npos);
}

TEST_CASE("the JUnit report is one a CI system can read", "[cli][replay]") {
  ReplayDir d;
  Captured c;
  CHECK(Replay(d, {d.Path("candidate.policy"), "", "", d.Path("out.xml")}, c) ==
        kExitFailed);
  auto xml = ReadTextFile(d.Path("out.xml"));
  REQUIRE(xml.ok());
  INFO(*xml);
  CHECK(xml->find("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<testsuites name=\"portcullis replay\" tests=\"2\" "
                  "failures=\"1\" errors=\"0\">") == 0);
  CHECK(xml->find("<testcase classname=\"replay.shop.create_coupon\" name=\"" +
                  d.Path("recording.jsonl") + ":5 ALLOW → DENY\">") !=
        std::string::npos);
  CHECK(xml->find("<failure message=\"unexpected: ALLOW → DENY\" "
                  "type=\"unexpected-change\">before: ALLOW by coupons\n"
                  "after: DENY by coupon-cap\n") != std::string::npos);
  CHECK(xml->find("name=\"5 decisions unchanged\"/>") != std::string::npos);

  Captured unwritable;
  CHECK(Replay(
            d,
            {d.Path("candidate.policy"), "", "", d.Path("no/such/dir/out.xml")},
            unwritable) == kExitUsage);
  CHECK(unwritable.err.str().find("cannot write") != std::string::npos);
}

}  // namespace
}  // namespace portcullis::cli
