// Malformed policies: every kind of error gives an actionable message at
// the right file, line and column, and several errors are reported at once.
#include "policy/compiler.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/policy/policy_testing.h"

namespace portcullis::policy {
namespace {

using testing::CompileErrors;
using testing::FirstError;

constexpr const char* kHeader = "policy \"p\" version \"1\"\n";

// A tenant "t" with tool x whose rules start on line 10, column 5.
std::string InTool(const std::string& rules) {
  return std::string(kHeader) +
         "tenant \"t\" {\n"
         "  tool x {\n"
         "    class read\n"
         "    arg n: int\n"
         "    arg s: string\n"
         "    arg m: money(SAR)\n"
         "    arg tier: enum(gold, silver)\n"
         "    arg tags: list(of string)\n" +
         rules +
         "\n"
         "  }\n"
         "}\n";
}

// A tenant "t" whose body starts on line 3.
std::string InTenant(const std::string& body) {
  return std::string(kHeader) + "tenant \"t\" {\n" + body + "\n}\n";
}

void ExpectError(const std::string& text, int line, int column,
                 const std::string& fragment) {
  Diagnostic d = FirstError(text);
  INFO(d.ToString());
  CHECK(d.path == "test.policy");
  CHECK(d.line == line);
  CHECK(d.column == column);
  CHECK(d.message.find(fragment) != std::string::npos);
}

TEST_CASE("a diagnostic prints as path:line:column: message", "[compiler]") {
  Diagnostic d{"commerce.policy", 12, 7, "something is wrong"};
  CHECK(d.ToString() == "commerce.policy:12:7: something is wrong");
}

// --- lexical errors ---

TEST_CASE("an unterminated string is an error at its opening quote",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"never closed\n"), 10, 12,
              "unterminated string");
}

TEST_CASE("an unexpected character is reported where it stands",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when args.n > 1 && args.n < 5"), 10,
              37, "write 'and' or 'or'");
  ExpectError(InTool("    rule a \"d\" deny when args.n $ 1"), 10, 33,
              "unexpected character '$'");
}

TEST_CASE("an amount glued to its currency is an error", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when args.m > 50.00SAR"), 10, 35,
              "put a space between an amount and its currency");
}

TEST_CASE("a string longer than 4096 bytes is an error", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"" + std::string(5000, 'x') + "\" allow"), 10,
              12, "longer than 4096 bytes");
}

// --- syntax errors ---

TEST_CASE("a missing token names what was expected and what was found",
          "[compiler][errors]") {
  ExpectError(std::string(kHeader) + "tenant \"t\"\n  tool x {}\n", 3, 3,
              "expected '{' to open the tenant, found 'tool'");
}

TEST_CASE("an unclosed tenant points back at where it opened",
          "[compiler][errors]") {
  ExpectError(std::string(kHeader) + "tenant \"t\" {\n  timezone \"UTC\"\n", 4,
              1, "'}' to close tenant \"t\" (opened on line 2)");
}

TEST_CASE("an unknown type lists the types", "[compiler][errors]") {
  ExpectError(InTenant("  tool x {\n    class read\n    arg f: float\n  }"), 5,
              12, "expected a type: string, int, bool, money(SAR)");
}

TEST_CASE("a clause that does not fit the effect is an error",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny quorum 2"), 10, 21,
              "'quorum' only applies to approve rules");
  ExpectError(InTool("    rule a \"d\" allow reason \"x\""), 10, 22,
              "'reason' only applies to deny and limit rules");
  ExpectError(InTool("    rule a \"d\" approve by o expires 1h per agent"), 10,
              40, "'per' only applies to limit rules");
}

TEST_CASE("a clause given twice is an error", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" approve by o expires 1h expires 2h"), 10,
              40, "'expires' is given twice");
  ExpectError(InTool("    rule a \"d\" deny when args.n > 1 unless args.n < 0"),
              10, 37, "at most one 'when' or 'unless'");
}

TEST_CASE("an approve rule needs roles and an expiry", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" approve by owner"), 10, 16,
              "an approve rule needs 'by ROLE' (or 'by anyone') and "
              "'expires DURATION'");
}

TEST_CASE("a rule needs an id, a description and an effect",
          "[compiler][errors]") {
  ExpectError(InTool("    rule \"d\" allow"), 10, 10, "expected a rule id");
  ExpectError(InTool("    rule a allow"), 10, 12,
              "the rule's one-line description in quotes");
  ExpectError(InTool("    rule a \"d\" permit"), 10, 16,
              "expected an effect after the description: allow, deny, "
              "approve or limit, found 'permit'");
}

TEST_CASE("conditions nested too deeply are rejected", "[compiler][errors]") {
  std::string deep(40, '(');
  // The 34th parenthesis is one level too many.
  ExpectError(InTool("    rule a \"d\" deny when " + deep), 10, 59,
              "nested more than 32 levels deep");
  std::string nots;
  for (int i = 0; i < 40; ++i) nots += "not ";
  ExpectError(InTool("    rule a \"d\" deny when " + nots + "true"), 10, 158,
              "nested more than 32 levels deep");
}

TEST_CASE("comparisons cannot be chained", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when 1 < args.n < 5"), 10, 37,
              "comparisons cannot be chained: join them with 'and'");
}

TEST_CASE("an incomplete condition stops at the next statement",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when args.n >\n    rule b \"e\" "
                     "allow"),
              11, 5, "expected a value to finish the condition, found 'rule'");
}

TEST_CASE("a malformed duration says how to write one", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" limit 5 per 1x"), 10, 28,
              "invalid duration '1x': units are d, h, m and s");
  ExpectError(InTool("    rule a \"d\" limit 5 per 30m1h"), 10, 28,
              "write units from largest to smallest");
  ExpectError(InTool("    rule a \"d\" limit 5 per 4000d"), 10, 28,
              "longer than 3660d");
}

TEST_CASE("a malformed time of day is an error", "[compiler][errors]") {
  ExpectError(
      InTool("    rule a \"d\" deny unless hours(09:00-25:00, \"UTC\")"), 10,
      40, "hours go from 00 to 23");
  ExpectError(
      InTool("    rule a \"d\" deny unless hours(09:60-10:00, \"UTC\")"), 10,
      34, "minutes go from 00 to 59");
}

TEST_CASE("an empty hours window is an error", "[compiler][errors]") {
  ExpectError(
      InTool("    rule a \"d\" deny unless hours(09:00-09:00, \"UTC\")"), 10,
      28, "must not be empty or the whole day");
}

TEST_CASE("an unknown day name lists the days", "[compiler][errors]") {
  ExpectError(
      InTool("    rule a \"d\" deny unless days(sun..thursday, \"UTC\")"), 10,
      38, "a day: sun, mon, tue, wed, thu, fri or sat");
}

TEST_CASE("an unknown function lists the functions", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when size(args.s) > 3"), 10, 26,
              "unknown function 'size': the functions are len, hours, days, "
              "count and sum");
}

TEST_CASE("a quorum must be between 1 and 100", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" approve by o quorum 0 expires 1h"), 10,
              36, "the quorum must be between 1 and 100, found 0");
}

TEST_CASE("the header must come first", "[compiler][errors]") {
  ExpectError("tenant \"t\" {}\npolicy \"p\" version \"1\"\n", 2, 1,
              "the policy header must come first in the file");
}

// --- semantic errors ---

TEST_CASE("a policy without a header is rejected", "[compiler][errors]") {
  ExpectError("tenant \"t\" {}\n", 1, 1,
              "the policy has no header: start a file with policy \"NAME\" "
              "version \"VERSION\"");
}

TEST_CASE("files whose headers disagree are rejected", "[compiler][errors]") {
  std::vector<SourceFile> files = {
      {"a.policy", "policy \"p\" version \"1\"\ntenant \"a\" {}\n"},
      {"b.policy", "policy \"p\" version \"2\"\ntenant \"b\" {}\n"}};
  CompileResult result = Compile(files);
  REQUIRE(result.policy == nullptr);
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].ToString() ==
        "b.policy:1:1: this header says policy \"p\" version \"2\", but "
        "a.policy:1:1 says policy \"p\" version \"1\"; the files of one "
        "policy must agree");
}

TEST_CASE("a policy may span files that share one header", "[compiler]") {
  std::vector<SourceFile> files = {
      {"a.policy", "policy \"p\" version \"1\"\ntenant \"a\" {}\n"},
      {"b.policy", "tenant \"b\" {}\n"}};
  CompileResult result = Compile(files);
  REQUIRE(result.policy != nullptr);
  CHECK(result.policy->HasTenant("a"));
  CHECK(result.policy->HasTenant("b"));
  CHECK_FALSE(result.policy->HasTenant("c"));
}

TEST_CASE("a version with spaces is rejected", "[compiler][errors]") {
  ExpectError("policy \"p\" version \"1 2\"\n", 1, 20,
              "the version must be 1 to 128 printable characters");
}

TEST_CASE("an invalid tenant id is rejected with the identifier rule",
          "[compiler][errors]") {
  ExpectError(std::string(kHeader) + "tenant \"Al-Noor\" {}\n", 2, 8,
              "invalid tenant id \"Al-Noor\": tenant id has 'A' at position 0");
  ExpectError(
      std::string(kHeader) + "tenant \"" + std::string(64, 'a') + "\" {}\n", 2,
      8, "64 bytes long; the limit is 63");
}

TEST_CASE("a tenant declared twice points at the first", "[compiler][errors]") {
  ExpectError(std::string(kHeader) + "tenant \"t\" {}\ntenant \"t\" {}\n", 3, 8,
              "tenant t is already declared at test.policy:2:8");
}

TEST_CASE("an invalid tool name is rejected", "[compiler][errors]") {
  ExpectError(InTenant("  tool \"9lives\" { class read }"), 3, 8,
              "invalid tool name \"9lives\"");
}

TEST_CASE("a tool declared twice points at the first", "[compiler][errors]") {
  ExpectError(InTenant("  tool x { class read }\n  tool x { class read }"), 4,
              8, "tool x is already declared at test.policy:3:8");
}

TEST_CASE("a tool without an authority class is rejected",
          "[compiler][errors]") {
  ExpectError(InTenant("  tool x { arg n: int }"), 3, 3,
              "tool x needs an authority class: add class read, class draft "
              "or class write");
}

TEST_CASE("an unknown authority class is rejected", "[compiler][errors]") {
  ExpectError(InTenant("  tool x { class admin }"), 3, 18,
              "the authority class: read, draft or write, found 'admin'");
}

TEST_CASE("an invalid argument name is rejected", "[compiler][errors]") {
  ExpectError(InTenant("  tool x { class read arg Amount: int }"), 3, 27,
              "invalid argument name \"Amount\"");
}

TEST_CASE("an argument declared twice is rejected", "[compiler][errors]") {
  ExpectError(InTenant("  tool x { class read arg n: int arg n: string }"), 3,
              38, "argument n is already declared at test.policy:3:27");
}

TEST_CASE("an unknown currency must state its decimals", "[compiler][errors]") {
  ExpectError(InTenant("  tool x { class read arg m: money(XYZ) }"), 3, 36,
              "unknown currency XYZ: if the code is right, state its "
              "decimals, e.g. money(XYZ, 2)");
  testing::MustCompile(
      InTenant("  tool x { class read arg m: money(XYZ, 2) }"));
}

TEST_CASE("a default that does not fit its argument is rejected",
          "[compiler][errors]") {
  ExpectError(InTenant("  tool x { class read arg n: int = \"five\" }"), 3, 36,
              "the default does not fit: argument n must be int, got a "
              "string");
  ExpectError(InTenant("  tool x { class read arg t: enum(a, b) = \"c\" }"), 3,
              43, "argument t must be one of \"a\", \"b\", got \"c\"");
}

TEST_CASE("an enum value listed twice is rejected", "[compiler][errors]") {
  ExpectError(InTenant("  tool x { class read arg t: enum(a, b, a) }"), 3, 41,
              "enum value \"a\" is listed twice");
}

TEST_CASE("a rule id used twice in a tenant is rejected",
          "[compiler][errors]") {
  ExpectError(InTenant("  rule r \"d\" deny when context.confidence < 0.1\n"
                       "  tool x { class read rule r \"e\" allow }"),
              4, 28,
              "rule id r is already used at test.policy:3:8; rule ids are "
              "unique in a tenant");
}

TEST_CASE("a rule id must start with a letter", "[compiler][errors]") {
  ExpectError(InTool("    rule _a \"d\" allow"), 10, 10,
              "rule id '_a' must start with a letter");
}

TEST_CASE("an empty description is rejected", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"\" allow"), 10, 12,
              "the description is empty");
  ExpectError(InTool("    rule a \"tab\there\" allow"), 10, 12,
              "the description contains a control character");
}

TEST_CASE("a reference to an undeclared argument lists the declared ones",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when args.amount > 5"), 10, 31,
              "tool x has no argument 'amount'; it declares: m, n, s, tags, "
              "tier");
}

TEST_CASE("a tenant-wide rule cannot read arguments", "[compiler][errors]") {
  ExpectError(InTenant("  rule a \"d\" deny when args.n > 5"), 3, 24,
              "a tenant-wide rule cannot read args.n");
}

TEST_CASE("an unknown name or field is rejected", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when context.mood == \"sad\""), 10,
              26,
              "unknown field: context has: confidence, has_confidence, "
              "run_mode, agent, session_id, request_id, correlation_id");
  ExpectError(InTool("    rule a \"d\" deny when args.tier == gold"), 10, 39,
              "unknown name 'gold'");
}

TEST_CASE("comparing an int with a string is a type error",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when args.n > \"5\""), 10, 35,
              "cannot compare args.n (int) with \"5\" (a string)");
}

TEST_CASE("comparing money with another currency is a type error",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when args.m > 50 USD"), 10, 35,
              "cannot compare args.m (money(SAR)) with 50 USD (money(USD)); "
              "the currencies differ");
}

TEST_CASE("comparing money with a bare number asks for the currency",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when args.m > 50"), 10, 35,
              "write the amount with its currency, e.g. 50 SAR");
}

TEST_CASE("a money constant with too many decimals is a type error",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when args.m > 50.001 SAR"), 10, 35,
              "50.001 SAR has more decimals than SAR allows (2)");
}

TEST_CASE("an enum compared with a value it does not have is a type error",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when args.tier in [\"gold\", "
                     "\"platinum\"]"),
              10, 48,
              "\"platinum\" is not a value of args.tier: enum(gold, "
              "silver)");
}

TEST_CASE("ordering a string is a type error", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when args.s < \"m\""), 10, 33,
              "'<' needs numbers or money, but args.s is string");
}

TEST_CASE("a list compared with == is a type error", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when args.tags == \"a\""), 10, 39,
              "cannot compare args.tags (list(of string)) with \"a\" (a "
              "string); use contains or len() on a list");
  ExpectError(InTool("    rule a \"d\" deny when args.tags == args.tags"), 10,
              36, "lists cannot be compared with '=='; use contains or len()");
}

TEST_CASE("a condition that is not true or false is a type error",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when args.n"), 10, 26,
              "args.n is int, not true or false");
}

TEST_CASE("comparing two constants is an error", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when 1 < 2"), 10, 28,
              "this compares two constants");
}

TEST_CASE("text operators need text", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when args.n starts_with \"1\""), 10,
              33, "'starts_with' needs text, but args.n is int");
}

TEST_CASE("an invalid regular expression is rejected at its position",
          "[compiler][errors]") {
  // The column points inside the pattern, at the offending part.
  ExpectError(InTool("    rule a \"d\" deny when args.s matches \"ab[z-a]\""),
              10, 45,
              "invalid regular expression: invalid character class "
              "range: z-a");
  ExpectError(InTool("    rule a \"d\" deny when args.s matches args.s"), 10,
              41, "'matches' needs a regular expression in quotes");
}

TEST_CASE("an overlong regular expression is rejected", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when args.s matches \"" +
                     std::string(1100, 'a') + "\""),
              10, 41, "regular expression is longer than 1024 bytes");
}

TEST_CASE("a regular expression too big for RE2's memory bound is rejected",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when args.s matches "
                     "\"(\\pL{100}){10}\""),
              10, 41, "invalid regular expression: pattern too large");
}

TEST_CASE("an unknown time zone is rejected at its name",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny unless hours(09:00-18:00, "
                     "\"Asia/Atlantis\")"),
              10, 47, "unknown time zone \"Asia/Atlantis\"");
  ExpectError(InTenant("  timezone \"Mars/Olympus\""), 3, 12,
              "unknown time zone \"Mars/Olympus\"");
}

TEST_CASE("a time zone name that is a path is rejected", "[compiler][errors]") {
  ExpectError(InTenant("  timezone \"/etc/passwd\""), 3, 12,
              "is not an IANA time zone name");
  ExpectError(InTenant("  timezone \"../../etc/passwd\""), 3, 12,
              "is not an IANA time zone name");
  ExpectError(InTenant("  timezone \"localtime\""), 3, 12,
              "is not an IANA time zone name");
}

TEST_CASE("hours() without a zone needs the tenant's timezone",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny unless hours(09:00-18:00)"), 10, 28,
              "hours() needs a time zone");
}

TEST_CASE(
    "an irreversible tool that can be allowed without approval is "
    "rejected",
    "[compiler][errors]") {
  ExpectError(InTenant("  tool refund {\n"
                       "    class write\n"
                       "    irreversible\n"
                       "    rule refund-ok \"refunds are fine\" allow\n"
                       "  }"),
              5, 5,
              "tool refund is irreversible, but rule refund-ok "
              "(test.policy:6:10) can allow it without approval; add a rule "
              "that always requires approval");
}

TEST_CASE("a conditional approval does not make an irreversible tool safe",
          "[compiler][errors]") {
  ExpectError(InTenant("  tool refund {\n"
                       "    class write\n"
                       "    irreversible\n"
                       "    arg amount: money(SAR)\n"
                       "    rule big \"big ones\" approve by owner expires 1h "
                       "when args.amount > 100 SAR\n"
                       "    rule ok \"fine\" allow\n"
                       "  }"),
              5, 5, "can allow it without approval");
}

TEST_CASE("a tenant-wide allow counts against an irreversible tool",
          "[compiler][errors]") {
  ExpectError(InTenant("  rule reads \"reads\" allow when tool.class == "
                       "\"read\"\n"
                       "  tool refund { class write irreversible }"),
              4, 29, "but rule reads (test.policy:3:8) can allow it");
}

TEST_CASE("an irreversible tool with an unconditional approval compiles",
          "[compiler]") {
  testing::MustCompile(InTenant(
      "  tool refund {\n"
      "    class write\n"
      "    irreversible\n"
      "    rule refund-ok \"refunds are fine\" allow\n"
      "    rule refunds \"refunds need a person\" approve by owner expires 1h\n"
      "  }"));
  // A tenant-wide unconditional approval counts too.
  testing::MustCompile(InTenant(
      "  rule everything \"a person sees everything\" approve by owner "
      "expires 1h\n"
      "  tool refund { class write irreversible rule ok \"ok\" allow }"));
  // A tool that nothing allows is safe: it is always denied.
  testing::MustCompile(InTenant("  tool refund { class write irreversible }"));
}

TEST_CASE("an escalation after the expiry is rejected", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" approve by o expires 1h escalate after "
                     "2h to boss"),
              10, 40, "the escalation after 2h would never happen");
}

TEST_CASE("a role listed twice is rejected", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" approve by o, o expires 1h"), 10, 30,
              "role o is listed twice");
}

TEST_CASE("a spend limit must add up money of its currency",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" limit 5 SAR of args.n per 1h"), 10, 31,
              "a spend limit adds up a money argument, but args.n is int");
  ExpectError(InTool("    rule a \"d\" limit 5 USD of args.m per 1h"), 10, 22,
              "the limit 5 USD is in USD but args.m is money(SAR)");
  ExpectError(InTenant("  rule a \"d\" limit 5 USD of args.m per 1h"), 3, 29,
              "a tenant-wide rule cannot use args.m");
}

TEST_CASE("a limit must be a count or an amount", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" limit 0 per 1h"), 10, 22,
              "the count must be between 1 and 1000000000, found 0");
  ExpectError(InTool("    rule a \"d\" limit \"five\" per 1h"), 10, 22,
              "a limit is a count");
}

TEST_CASE("a limit's scope must be known and scalar", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" limit 5 per 1h per customer"), 10, 35,
              "unknown scope 'customer': a limit is kept per tenant (the "
              "default), agent, tool, session or args.NAME");
  ExpectError(InTool("    rule a \"d\" limit 5 per 1h per args.m"), 10, 35,
              "a limit can be kept per a string, int, bool or enum "
              "argument, but args.m is money(SAR)");
  ExpectError(InTool("    rule a \"d\" limit 5 per 1h per agent, agent"), 10,
              42, "scope agent is listed twice");
}

TEST_CASE("several errors are reported in one run, in source order",
          "[compiler][errors]") {
  std::vector<Diagnostic> errors =
      CompileErrors(InTool("    rule a \"d\" deny when args.n > \"5\"\n"
                           "    rule b \"d\" deny when args.m > 5 USD\n"
                           "    rule c \"d\" deny when args.zzz == 1"));
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].line == 10);
  CHECK(errors[1].line == 11);
  CHECK(errors[2].line == 12);
}

TEST_CASE("several syntax errors are reported in one run",
          "[compiler][errors]") {
  std::vector<Diagnostic> errors =
      CompileErrors(InTool("    rule a \"d\" permit\n"
                           "    rule b \"d\" allow quorum 2\n"
                           "    rule c \"d\" deny when args.n > > 1"));
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].line == 10);
  CHECK(errors[1].line == 11);
  CHECK(errors[2].line == 12);
}

TEST_CASE("errors stop at fifty with a note", "[compiler][errors]") {
  std::string rules;
  for (int i = 0; i < 80; ++i) {
    rules +=
        "    rule r" + std::to_string(i) + " \"d\" deny when args.n > \"x\"\n";
  }
  std::vector<Diagnostic> errors = CompileErrors(InTool(rules));
  REQUIRE(errors.size() == 51);
  CHECK(errors.back().message == "too many errors; stopping here");
}

TEST_CASE("no files, or a file too large, are errors", "[compiler][errors]") {
  CompileResult none = Compile({});
  REQUIRE(none.policy == nullptr);
  REQUIRE(none.errors.size() == 1);
  CHECK(none.errors[0].ToString() == "no policy files were given");

  std::vector<SourceFile> big = {
      {"big.policy", std::string(kHeader) + std::string(2 << 20, ' ')}};
  CompileResult result = Compile(big);
  REQUIRE(result.policy == nullptr);
  CHECK(result.errors[0].ToString() ==
        "big.policy:1:1: the file is larger than 1 MiB; split the policy "
        "into several files");
}

// --- more limits on what a policy may say ---

TEST_CASE("a policy name with spaces is rejected", "[compiler][errors]") {
  ExpectError("policy \"my policy\" version \"1\"\n", 1, 8,
              "the policy name must be 1 to 128 printable characters");
}

TEST_CASE("a rule id longer than 64 characters is rejected",
          "[compiler][errors]") {
  ExpectError(InTool("    rule " + std::string(65, 'a') + " \"d\" allow"), 10,
              10, "must start with a letter and have at most 64 characters");
}

TEST_CASE("an overlong description or an empty reason is rejected",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"" + std::string(201, 'x') + "\" allow"), 10,
              12, "the description is longer than 200 bytes");
  ExpectError(InTool("    rule a \"d\" deny reason \"\""), 10, 28,
              "the reason is empty");
}

TEST_CASE("an enum value with a control character is rejected",
          "[compiler][errors]") {
  ExpectError(InTenant("  tool x { class read arg t: enum(a, \"b\x01\") }"), 3,
              38, "an enum value contains a control character");
}

TEST_CASE("a role name longer than 64 characters is rejected",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" approve by " + std::string(65, 'r') +
                     " expires 1h"),
              10, 27, "a role name has at most 64 characters");
}

TEST_CASE("a limit has at most eight scopes", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" limit 5 per 1h per agent, tool, "
                     "session, tenant, args.n, args.s, args.tier, args.m, "
                     "tool"),
              10, 100, "a limit has at most 8 scopes");
}

TEST_CASE("an error names a string token by its text", "[compiler][errors]") {
  ExpectError(InTenant("  tool x { class \"read\" }"), 3, 18,
              "the authority class: read, draft or write, found the string "
              "\"read\"");
}

TEST_CASE("more malformed times of day are rejected", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny unless hours(9:5-10:00, \"UTC\")"),
              10, 34, "write it as HH:MM, e.g. 09:00");
  ExpectError(
      InTool("    rule a \"d\" deny unless hours(24:00-10:00, \"UTC\")"), 10,
      34, "a window cannot start at 24:00");
  ExpectError(
      InTool("    rule a \"d\" deny unless hours(00:00-24:00, \"UTC\")"), 10,
      28, "must not be empty or the whole day");
}

TEST_CASE("a zero duration is rejected", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" limit 5 per 0s"), 10, 28,
              "it must be positive");
}

TEST_CASE("a spend cap must not be negative or too precise",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" limit -5 SAR of args.m per 1h"), 10, 22,
              "the limit -5 SAR must not be negative or have more decimals "
              "than SAR allows (2)");
  ExpectError(InTool("    rule a \"d\" limit 5.001 SAR of args.m per 1h"), 10,
              22, "must not be negative or have more decimals");
}

TEST_CASE("defaults must have an argument's type", "[compiler][errors]") {
  ExpectError(InTenant("  tool x { class read arg n: int = 1.5 }"), 3, 36,
              "a decimal number fits no argument type");
  ExpectError(
      InTenant("  tool x { class read arg l: list(of int) = [1, \"2\"] }"), 3,
      46, "the default does not fit: argument l[1] must be int");
}

TEST_CASE("operands of different types cannot be compared",
          "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when args.n == args.s"), 10, 36,
              "cannot compare args.n (int) with args.s (string)");
}

TEST_CASE("len, in and nested values are type-checked", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when len(args.n) > 1"), 10, 26,
              "len() measures text or a list, but args.n is int");
  ExpectError(InTool("    rule a \"d\" deny when args.tags in [\"a\"]"), 10, 36,
              "'in' tests one value against a list, but args.tags is itself "
              "a list");
  ExpectError(InTool("    rule a \"d\" deny when len((args.n > 1)) > 1"), 10,
              38, "expected a value here");
}

TEST_CASE("references have the right shape and values", "[compiler][errors]") {
  ExpectError(InTool("    rule a \"d\" deny when args.n.x == 1"), 10, 26,
              "write an argument as args.NAME");
  ExpectError(InTool("    rule a \"d\" deny when tool.class == \"admin\""), 10,
              40,
              "\"admin\" is not a value of tool.class: enum(read, draft, "
              "write)");
}

TEST_CASE("errors are sorted by position", "[compiler][errors]") {
  // The tenant-wide rule is checked first but written last.
  std::vector<Diagnostic> errors = CompileErrors(
      InTenant("  tool x { class read rule a \"d\" deny when args.q == 1 }\n"
               "  rule w \"d\" deny when args.n == 1"));
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].line == 3);
  CHECK(errors[1].line == 4);
}

TEST_CASE("too many files or too many bytes in total are errors",
          "[compiler][errors]") {
  std::vector<SourceFile> many(1001, SourceFile{"x.policy", ""});
  CompileResult too_many = Compile(many);
  REQUIRE(too_many.policy == nullptr);
  CHECK(too_many.errors[0].message == "a policy has at most 1000 files");

  std::vector<SourceFile> huge(
      17, SourceFile{"h.policy", std::string(1 << 20, ' ')});
  CompileResult too_big = Compile(huge);
  REQUIRE(too_big.policy == nullptr);
  CHECK(too_big.errors[0].message ==
        "the policy is larger than 16 MiB in total");
}

// --- limits the gate can rebuild at start ---

TEST_CASE("a limit window longer than 366 days is an error",
          "[compiler][errors]") {
  ExpectError(InTool("    rule r \"r\" limit 5 per 367d"), 10, 28,
              "a limit counts over at most 366d, not 367d");
  CHECK(testing::MustCompile(InTool("    rule r \"r\" limit 5 per 366d")) !=
        nullptr);
}

TEST_CASE("an approval expiry longer than 31 days is an error",
          "[compiler][errors]") {
  ExpectError(InTool("    rule r \"r\" approve by owner expires 32d"), 10, 41,
              "an approval expires after at most 31d, not 32d");
  CHECK(testing::MustCompile(InTool(
            "    rule r \"r\" approve by owner expires 31d")) != nullptr);
}

}  // namespace
}  // namespace portcullis::policy
