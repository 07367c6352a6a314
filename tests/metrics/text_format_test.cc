#include "metrics/text_format.h"

#include <catch2/catch.hpp>
#include <limits>

namespace portcullis::metrics {
namespace {

TEST_CASE("metric and label names follow Prometheus's grammar", "[metrics]") {
  CHECK(ValidateMetricName("portcullis_decisions_total").ok());
  CHECK(ValidateMetricName("a:b").ok());
  CHECK(!ValidateMetricName("").ok());
  CHECK(!ValidateMetricName("1abc").ok());
  CHECK(!ValidateMetricName("with-dash").ok());
  CHECK(ValidateLabelName("tool").ok());
  CHECK(!ValidateLabelName("a:b").ok());
  CHECK(!ValidateLabelName("__name__").ok());
  CHECK(!ValidateLabelName("le").ok());
}

TEST_CASE("values read back exactly and infinities are spelt out",
          "[metrics]") {
  CHECK(FormatValue(0.005) == "0.005");
  CHECK(FormatValue(1) == "1");
  CHECK(FormatValue(0.1 + 0.2) == "0.30000000000000004");
  CHECK(FormatValue(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(FormatValue(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(FormatValue(std::numeric_limits<double>::quiet_NaN()) == "NaN");
}

TEST_CASE("label values escape backslash, quote and newline", "[metrics]") {
  std::string out;
  AppendSample("m", {"a"}, {"x\\y\"z\nw"}, 1, &out);
  CHECK(out == "m{a=\"x\\\\y\\\"z\\nw\"} 1\n");
}

TEST_CASE("help text escapes backslash and newline only", "[metrics]") {
  std::string out;
  AppendHeader("m", "a \"b\"\\\nc", "counter", &out);
  CHECK(out == "# HELP m a \"b\"\\\\\\nc\n# TYPE m counter\n");
}

TEST_CASE("a histogram is written as cumulative buckets, sum and count",
          "[metrics]") {
  Histogram h({0.5, 1});
  h.Observe(0.25);
  h.Observe(2);
  std::string out;
  AppendSeries("lat_seconds", {"op"}, {"x"}, h, &out);
  CHECK(out ==
        "lat_seconds_bucket{op=\"x\",le=\"0.5\"} 1\n"
        "lat_seconds_bucket{op=\"x\",le=\"1\"} 1\n"
        "lat_seconds_bucket{op=\"x\",le=\"+Inf\"} 2\n"
        "lat_seconds_sum{op=\"x\"} 2.25\n"
        "lat_seconds_count{op=\"x\"} 2\n");
}

}  // namespace
}  // namespace portcullis::metrics
