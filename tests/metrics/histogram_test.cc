#include "metrics/histogram.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

namespace portcullis::metrics {
namespace {

TEST_CASE("an observation lands in the first bucket whose bound is at least it",
          "[metrics]") {
  Histogram h({0.1, 1, 10});
  h.Observe(0.1);  // le="0.1": bounds are inclusive
  h.Observe(0.5);
  h.Observe(10);
  h.Observe(11);  // +Inf only
  HistogramReading r = h.Read();
  CHECK(r.cumulative == std::vector<uint64_t>{1, 2, 3});
  CHECK(r.count == 4);
  CHECK(r.sum == Approx(21.6));
}

TEST_CASE("NaN counts in +Inf and leaves the sum alone", "[metrics]") {
  Histogram h({1});
  h.Observe(std::numeric_limits<double>::quiet_NaN());
  HistogramReading r = h.Read();
  CHECK(r.cumulative == std::vector<uint64_t>{0});
  CHECK(r.count == 1);
  CHECK(r.sum == 0);
}

TEST_CASE("bucket bounds must be finite and strictly increasing", "[metrics]") {
  CHECK(ValidateBucketBounds(std::vector<double>{0.5, 1}).ok());
  CHECK(!ValidateBucketBounds({}).ok());
  CHECK(!ValidateBucketBounds(std::vector<double>{1, 1}).ok());
  CHECK(!ValidateBucketBounds(std::vector<double>{2, 1}).ok());
  CHECK(!ValidateBucketBounds(
             std::vector<double>{1, std::numeric_limits<double>::infinity()})
             .ok());
}

}  // namespace
}  // namespace portcullis::metrics
