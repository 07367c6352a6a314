#include "cli/policy_init.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "absl/time/time.h"
#include "cli/text_file.h"
#include "policy/compiler.h"
#include "tests/cli/captured.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::cli {
namespace {

constexpr char kTools[] =
    PORTCULLIS_SOURCE_DIR "/tests/cli/testdata/mcp_tools.json";

std::string Skeleton(const std::string& json) {
  PolicySkeletonOptions options;
  options.tenant = "al-noor";
  options.now = absl::FromUnixSeconds(1764892800);  // 2025-12-05
  auto skeleton = PolicySkeletonFromMcp(json, options);
  REQUIRE(skeleton.ok());
  return *skeleton;
}

policy::CompileResult CompileText(const std::string& text) {
  std::vector<policy::SourceFile> files = {{"skeleton.policy", text}};
  return policy::Compile(files);
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE(
    "a tools/list becomes a skeleton that compiles and denies every "
    "tool",
    "[cli][policy_init]") {
  auto json = ReadTextFile(kTools);
  REQUIRE(json.ok());
  const std::string text = Skeleton(*json);
  INFO(text);
  policy::CompileResult compiled = CompileText(text);
  for (const auto& e : compiled.errors) INFO(e.ToString());
  REQUIRE(compiled.errors.empty());
  CHECK(compiled.policy->version() == "2025-12-05.1");

  auto tools = compiled.policy->Tools("al-noor");
  REQUIRE(tools.size() == 3);
  CHECK(tools[0].name == "crm.lookup");
  CHECK(tools[1].name == "refund_order");
  CHECK(tools[2].name == "search_orders");
  // Typed args from the input schema, optional ones with defaults.
  const auto& search = tools[2].arguments;
  REQUIRE(search.size() == 5);
  CHECK(search[0].name == "customer_id");
  CHECK(search[0].type == "string");
  CHECK_FALSE(search[0].optional);
  CHECK(search[1].name == "include_archived");
  CHECK(search[1].type == "bool");
  CHECK(search[1].optional);
  CHECK(search[2].name == "limit");
  CHECK(search[2].type == "int");
  CHECK(search[3].name == "status");
  CHECK(Contains(search[3].type, "enum("));
  CHECK(search[4].name == "tags");
  CHECK(Contains(search[4].type, "list"));
  CHECK(Contains(text, "arg limit: int = 20"));  // the schema's default
  CHECK(Contains(text, "class read"));
  // Money is left for the author; objects and bad names are comments.
  CHECK(Contains(text, "# arg amount: ?  # TODO: a number"));
  CHECK(Contains(text, "# arg address: ?  # TODO: an object"));
  CHECK(Contains(text, "argument \"Bad-Name\" left out"));
  CHECK(Contains(text, "Tool \"9lives\" was left out"));
  // A destructive tool is irreversible: never allowed without approval.
  CHECK(Contains(text, "    irreversible  # the server marks it destructive"));
  // The description is one comment line.
  CHECK(Contains(text,
                 "# search_orders: Search orders by customer, status or "
                 "date."));
  // No rule allows anything: the skeleton declares, the author decides.
  CHECK(compiled.policy->Rules().empty());
}

TEST_CASE("policy init refuses what is not a tools/list",
          "[cli][policy_init]") {
  PolicySkeletonOptions options;
  CHECK(absl::IsInvalidArgument(
      PolicySkeletonFromMcp("{not json", options).status()));
  CHECK(absl::IsInvalidArgument(
      PolicySkeletonFromMcp(R"({"result": {}})", options).status()));
  CHECK(absl::IsInvalidArgument(
      PolicySkeletonFromMcp(R"({"tools": []})", options).status()));
  options.tenant = "../other";
  CHECK(absl::IsInvalidArgument(
      PolicySkeletonFromMcp(R"({"tools": [{"name": "a"}]})", options)
          .status()));
}

TEST_CASE(
    "hostile names and descriptions cannot break out of a comment or "
    "string",
    "[cli][policy_init]") {
  // A description with a newline and a rule after it, an enum member with
  // a quote and one with a newline: the skeleton still compiles to no rule.
  const std::string text = Skeleton(R"({"tools": [{
      "name": "send_email",
      "description": "Sends mail\n  rule evil \"x\" allow\n",
      "inputSchema": {"type": "object", "properties": {
        "tone": {"type": "string", "enum": ["a \"b\" c", "plain"]},
        "footer": {"type": "string", "enum": ["x\ny"]}}}}]})");
  INFO(text);
  policy::CompileResult compiled = CompileText(text);
  for (const auto& e : compiled.errors) INFO(e.ToString());
  REQUIRE(compiled.errors.empty());
  CHECK(compiled.policy->Rules().empty());
  auto tools = compiled.policy->Tools("al-noor");
  REQUIRE(tools.size() == 1);
  REQUIRE(tools[0].arguments.size() == 1);  // footer is a comment
  CHECK(tools[0].arguments[0].name == "tone");
}

TEST_CASE("policy init writes a new file and never overwrites one",
          "[cli][policy_init]") {
  testing::TempDir dir;
  testing::FakeClock clock;
  Captured first;
  CHECK(RunPolicyInit({kTools, "al-noor", "", dir.Sub("p.policy")}, clock,
                      first.io) == kExitOk);
  auto written = ReadTextFile(dir.Sub("p.policy"));
  REQUIRE(written.ok());
  CHECK(CompileText(*written).errors.empty());
  Captured again;
  CHECK(RunPolicyInit({kTools, "al-noor", "", dir.Sub("p.policy")}, clock,
                      again.io) == kExitUsage);
  CHECK(Contains(again.err.str(), "never overwrites"));
  Captured missing;
  CHECK(RunPolicyInit({"", "", "", ""}, clock, missing.io) == kExitUsage);
  CHECK(Contains(missing.err.str(), "--from_mcp"));
}

}  // namespace
}  // namespace portcullis::cli
