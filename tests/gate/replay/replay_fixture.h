// A small compiled policy and helpers for the replay tests: coupons with a
// cap, business hours and a rate limit; refunds that need approval and are
// rate limited themselves.
#ifndef PORTCULLIS_TESTS_GATE_REPLAY_REPLAY_FIXTURE_H_
#define PORTCULLIS_TESTS_GATE_REPLAY_REPLAY_FIXTURE_H_

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "gate/replay/recorded_action.h"
#include "policy/compiler.h"

namespace portcullis::gate::replay {

inline constexpr char kShopPolicy[] = R"(
policy "shop" version "1"
tenant "shop" {
  timezone "UTC"
  tool create_coupon {
    class write
    arg customer_id: string
    arg value: money(SAR)
    rule coupon-cap "coupons are capped at 50 SAR"
      deny when args.value > 50 SAR
    rule coupon-hours "coupons only in business hours"
      deny unless hours(09:00-18:00)
    rule coupon-rate "at most 2 coupons an hour"
      limit 2 per 1h
    rule coupons "coupons within the limits are fine"
      allow
  }
  tool refund_order {
    class write
    arg order_id: string
    rule refunds "refunds need the owner"
      approve by owner expires 24h
    rule refund-rate "at most 1 refund an hour"
      limit 1 per 1h
  }
}
tenant "other" {
  tool create_coupon {
    class write
    arg customer_id: string
    arg value: money(SAR)
    rule coupon-rate "at most 2 coupons an hour"
      limit 2 per 1h
    rule coupons "coupons are fine"
      allow
  }
}
)";

inline std::shared_ptr<const policy::CompiledPolicy> CompileText(
    const std::string& text) {
  std::vector<policy::SourceFile> files{{"shop.policy", text}};
  policy::CompileResult result = policy::Compile(files);
  INFO((result.errors.empty() ? "" : result.errors[0].ToString()));
  REQUIRE(result.errors.empty());
  return result.policy;
}

// 2026-01-05 (a Monday) at `hour`:`minute` UTC.
inline absl::Time At(int hour, int minute = 0) {
  return absl::FromCivil(absl::CivilMinute(2026, 1, 5, hour, minute),
                         absl::UTCTimeZone());
}

inline RecordedAction Coupon(absl::Time at, const std::string& value,
                             ReplayOutcome outcome,
                             std::vector<std::string> decided_by,
                             const std::string& tenant = "shop") {
  RecordedAction r;
  r.time = at;
  r.action.tenant = tenant;
  r.action.agent = "bot";
  r.action.tool = "create_coupon";
  r.action.arguments["customer_id"] = policy::Value{std::string("c-1")};
  auto amount = policy::Decimal::Parse(value);
  REQUIRE(amount.ok());
  r.action.arguments["value"] = policy::Value{policy::Money{*amount, "SAR"}};
  r.decision.outcome = outcome;
  r.decision.decided_by = std::move(decided_by);
  return r;
}

inline RecordedAction Refund(absl::Time at, ReplayOutcome outcome,
                             std::vector<std::string> decided_by) {
  RecordedAction r;
  r.time = at;
  r.action.tenant = "shop";
  r.action.agent = "bot";
  r.action.tool = "refund_order";
  r.action.arguments["order_id"] = policy::Value{std::string("AN-1")};
  r.decision.outcome = outcome;
  r.decision.decided_by = std::move(decided_by);
  return r;
}

inline std::vector<std::string> Ids(const ReplayedDecision& d) {
  std::vector<std::string> ids;
  for (const policy::RuleCitation& r : d.decided_by) ids.push_back(r.id);
  return ids;
}

}  // namespace portcullis::gate::replay

#endif  // PORTCULLIS_TESTS_GATE_REPLAY_REPLAY_FIXTURE_H_
