// A directory with a policy, a candidate and a recording, for the replay
// command tests: the recording is written line by line as an agent
// framework would write it.
#ifndef PORTCULLIS_TESTS_CLI_REPLAY_FIXTURE_H_
#define PORTCULLIS_TESTS_CLI_REPLAY_FIXTURE_H_

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "tests/cli/captured.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::cli {

// Coupons capped at `cap` SAR, business hours, two an hour.
inline std::string ShopPolicy(const std::string& version,
                              const std::string& cap) {
  return R"(policy "shop" version ")" + version + R"("
tenant "shop" {
  timezone "UTC"
  tool create_coupon {
    class write
    arg customer_id: string
    arg value: money(SAR)
    rule coupon-cap "coupons are capped at )" +
         cap + R"( SAR"
      deny when args.value > )" +
         cap + R"( SAR
    rule coupon-hours "coupons only in business hours"
      deny unless hours(09:00-18:00)
    rule coupon-rate "at most 2 coupons an hour"
      limit 2 per 1h
    rule coupons "coupons within the limits are fine"
      allow
  }
}
)";
}

// One recording line: a coupon of `value` SAR at `time` with its decision.
inline std::string CouponLine(const std::string& time, const std::string& value,
                              const std::string& outcome,
                              const std::string& rules) {
  return R"({"time":")" + time +
         R"(","action":{"tenant":"shop","agent":"bot","tool":"create_coupon",)"
         R"("arguments":{"customer_id":{"stringValue":"c-1"},)"
         R"("value":{"moneyValue":{"amount":")" +
         value + R"(","currency":"SAR"}}}},"decision":{"outcome":"OUTCOME_)" +
         outcome + R"(","decidedBy":[)" + rules + "]}}";
}

// What the policy capped at 50 decided on a Monday morning.
inline std::vector<std::string> MorningLines() {
  return {
      CouponLine("2026-01-05T10:00:00Z", "20", "ALLOW", R"("coupons")"),
      CouponLine("2026-01-05T10:05:00Z", "10", "ALLOW", R"("coupons")"),
      CouponLine("2026-01-05T10:10:00Z", "10", "DENY", R"("coupon-rate")"),
      CouponLine("2026-01-05T10:15:00Z", "60", "DENY",
                 R"("coupon-rate","coupon-cap")"),
      CouponLine("2026-01-05T11:30:00Z", "40", "ALLOW", R"("coupons")"),
      CouponLine("2026-01-05T20:00:00Z", "10", "DENY", R"("coupon-hours")"),
  };
}

class ReplayDir {
 public:
  ReplayDir() {
    Write("shop.policy", ShopPolicy("1", "50"));
    Write("candidate.policy", ShopPolicy("2", "30"));
    WriteLines("recording.jsonl", MorningLines());
  }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.Sub(name)) << text;
  }
  void WriteLines(const std::string& name,
                  const std::vector<std::string>& lines) {
    std::ofstream out(dir_.Sub(name));
    for (const std::string& line : lines) out << line << "\n";
  }
  std::string Path(const std::string& name) const { return dir_.Sub(name); }

 private:
  testing::TempDir dir_;
};

}  // namespace portcullis::cli

#endif  // PORTCULLIS_TESTS_CLI_REPLAY_FIXTURE_H_
