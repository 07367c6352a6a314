#include "bench/latency_histogram.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <utility>

namespace portcullis::bench {
namespace {

TEST_CASE("an empty histogram reports zero everywhere", "[histogram]") {
  LatencyHistogram histogram;
  CHECK(histogram.count() == 0);
  CHECK(histogram.min() == absl::ZeroDuration());
  CHECK(histogram.max() == absl::ZeroDuration());
  CHECK(histogram.Percentile(0.99) == absl::ZeroDuration());
}

TEST_CASE("small latencies are counted exactly", "[histogram]") {
  LatencyHistogram histogram;
  for (int nanos : {4, 1, 3, 2}) histogram.Record(absl::Nanoseconds(nanos));
  CHECK(histogram.Percentile(0.25) == absl::Nanoseconds(1));
  // The median of four calls is the second smallest.
  CHECK(histogram.Percentile(0.5) == absl::Nanoseconds(2));
  CHECK(histogram.Percentile(0.51) == absl::Nanoseconds(3));
  CHECK(histogram.Percentile(1.0) == absl::Nanoseconds(4));
  CHECK(histogram.Percentile(0.0) == absl::Nanoseconds(1));
}

TEST_CASE("percentiles of 1..1000 microseconds are within 1/32 above",
          "[histogram]") {
  LatencyHistogram histogram;
  for (int us = 1000; us >= 1; --us) histogram.Record(absl::Microseconds(us));
  for (auto [quantile, exact_us] :
       {std::pair{0.5, 500}, {0.9, 900}, {0.99, 990}, {0.999, 999}}) {
    const absl::Duration reported = histogram.Percentile(quantile);
    const absl::Duration exact = absl::Microseconds(exact_us);
    CHECK(reported >= exact);
    CHECK(reported <= exact + exact / 32);
  }
  CHECK(histogram.min() == absl::Microseconds(1));
  CHECK(histogram.max() == absl::Microseconds(1000));
  CHECK(histogram.Percentile(1.0) == absl::Microseconds(1000));
}

TEST_CASE("one slow call shows at p99.9 but not at p99", "[histogram]") {
  LatencyHistogram histogram;
  for (int i = 0; i < 999; ++i) histogram.Record(absl::Microseconds(100));
  histogram.Record(absl::Seconds(2));
  CHECK(histogram.Percentile(0.99) <= absl::Microseconds(104));
  CHECK(histogram.Percentile(0.999) <= absl::Microseconds(104));
  CHECK(histogram.Percentile(0.9999) == absl::Seconds(2));
}

TEST_CASE("merged histograms equal one that saw every call", "[histogram]") {
  LatencyHistogram a, b, both;
  for (int us = 1; us <= 100; ++us) {
    (us % 2 == 0 ? a : b).Record(absl::Microseconds(us));
    both.Record(absl::Microseconds(us));
  }
  a.Merge(b);
  CHECK(a.count() == both.count());
  CHECK(a.min() == both.min());
  CHECK(a.max() == both.max());
  for (double quantile : {0.1, 0.5, 0.9, 0.99}) {
    CHECK(a.Percentile(quantile) == both.Percentile(quantile));
  }
}

TEST_CASE("a negative latency counts as zero and a huge one saturates",
          "[histogram]") {
  LatencyHistogram histogram;
  histogram.Record(absl::Nanoseconds(-5));
  histogram.Record(absl::InfiniteDuration());
  CHECK(histogram.min() == absl::ZeroDuration());
  CHECK(histogram.Percentile(1.0) ==
        absl::Nanoseconds(std::numeric_limits<int64_t>::max()));
}

}  // namespace
}  // namespace portcullis::bench
