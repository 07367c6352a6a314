// Small builders shared by the policy tests: compile a policy text or
// expect it to fail, make actions and money, name instants in a zone.
#ifndef PORTCULLIS_TESTS_POLICY_POLICY_TESTING_H_
#define PORTCULLIS_TESTS_POLICY_POLICY_TESTING_H_

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "policy/action.h"
#include "policy/compiler.h"
#include "policy/decimal.h"

namespace portcullis::policy::testing {

// Compiles `text` as the one file "test.policy" and requires success.
inline std::shared_ptr<const CompiledPolicy> MustCompile(
    const std::string& text) {
  std::vector<SourceFile> files = {SourceFile{"test.policy", text}};
  CompileResult result = Compile(files);
  for (const Diagnostic& d : result.errors) UNSCOPED_INFO(d.ToString());
  REQUIRE(result.errors.empty());
  REQUIRE(result.policy != nullptr);
  return result.policy;
}

// Compiles `text` as "test.policy" and requires failure; returns the errors.
inline std::vector<Diagnostic> CompileErrors(const std::string& text) {
  std::vector<SourceFile> files = {SourceFile{"test.policy", text}};
  CompileResult result = Compile(files);
  REQUIRE(result.policy == nullptr);
  REQUIRE_FALSE(result.errors.empty());
  return result.errors;
}

// The first error of `text`, which must fail to compile.
inline Diagnostic FirstError(const std::string& text) {
  std::vector<Diagnostic> errors = CompileErrors(text);
  for (const Diagnostic& d : errors) UNSCOPED_INFO(d.ToString());
  return errors.front();
}

inline Decimal Dec(const char* text) {
  auto d = Decimal::Parse(text);
  REQUIRE(d.ok());
  return *d;
}

inline Value MoneyValue(const char* amount, const char* currency) {
  return Value{Money{Dec(amount), currency}};
}

inline Value Str(const char* s) { return Value{std::string(s)}; }
inline Value Int(int64_t i) { return Value{i}; }
inline Value Bool(bool b) { return Value{b}; }

inline Action MakeAction(std::string tenant, std::string tool,
                         std::map<std::string, Value> args = {},
                         std::optional<double> confidence = 0.95) {
  Action action;
  action.tenant = std::move(tenant);
  action.agent = "bot-1";
  action.tool = std::move(tool);
  action.arguments = std::move(args);
  action.context.confidence = confidence;
  return action;
}

inline absl::Time At(const char* zone, int year, int month, int day, int hour,
                     int minute, int second = 0) {
  absl::TimeZone tz;
  REQUIRE(absl::LoadTimeZone(zone, &tz));
  return absl::FromCivil(
      absl::CivilSecond(year, month, day, hour, minute, second), tz);
}

// Sunday 4 January 2026 in Riyadh: a business day there.
inline absl::Time Riyadh(int hour, int minute, int second = 0) {
  return At("Asia/Riyadh", 2026, 1, 4, hour, minute, second);
}

inline std::vector<std::string> CitedIds(const Verdict& verdict) {
  std::vector<std::string> ids;
  for (const RuleCitation& c : verdict.decided_by) ids.push_back(c.id);
  return ids;
}

}  // namespace portcullis::policy::testing

#endif  // PORTCULLIS_TESTS_POLICY_POLICY_TESTING_H_
