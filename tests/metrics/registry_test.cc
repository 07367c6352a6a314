#include "metrics/registry.h"

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

namespace portcullis::metrics {
namespace {

TEST_CASE("a registry renders its families in order, series sorted",
          "[metrics]") {
  Registry registry;
  auto decisions =
      registry.AddCounter("app_decisions_total", "Decisions.", {"outcome"});
  REQUIRE(decisions.ok());
  auto up = registry.AddGauge("app_up", "Up.");
  REQUIRE(up.ok());
  (*decisions)->WithLabels({"deny"}).Increment();
  (*decisions)->WithLabels({"allow"}).Increment(2);
  (*up)->Get().Set(1);
  CHECK(registry.RenderText() ==
        "# HELP app_decisions_total Decisions.\n"
        "# TYPE app_decisions_total counter\n"
        "app_decisions_total{outcome=\"allow\"} 2\n"
        "app_decisions_total{outcome=\"deny\"} 1\n"
        "# HELP app_up Up.\n"
        "# TYPE app_up gauge\n"
        "app_up 1\n");
}

TEST_CASE("a name is registered once, and malformed names are refused",
          "[metrics]") {
  Registry registry;
  REQUIRE(registry.AddCounter("x_total", "X.").ok());
  CHECK(!registry.AddGauge("x_total", "again").ok());
  CHECK(!registry.AddCounter("bad-name", "B.").ok());
  CHECK(!registry.AddCounter("y_total", "Y.", {"__reserved"}).ok());
  CHECK(!registry.AddHistogram("h_seconds", "H.", {}, {}).ok());
}

TEST_CASE("label values past the series limit share the overflow series",
          "[metrics]") {
  Registry registry;
  auto family = registry.AddCounter("calls_total", "Calls.", {"tool"}, 2);
  REQUIRE(family.ok());
  (*family)->WithLabels({"a"}).Increment();
  (*family)->WithLabels({"b"}).Increment();
  for (int i = 0; i < 100; ++i) {
    (*family)->WithLabels({"request-" + std::to_string(i)}).Increment();
  }
  (*family)->WithLabels({"a"}).Increment();
  CHECK(registry.RenderText() ==
        "# HELP calls_total Calls.\n"
        "# TYPE calls_total counter\n"
        "calls_total{tool=\"a\"} 2\n"
        "calls_total{tool=\"b\"} 1\n"
        "calls_total{tool=\"other\"} 100\n");
}

TEST_CASE("a gauge function is read at each render", "[metrics]") {
  Registry registry;
  double pending = 3;
  REQUIRE(registry
              .AddGaugeFunction("pending", "Pending.", {"tenant"},
                                [&] {
                                  return std::vector<Sample>{{{"t1"}, pending}};
                                })
              .ok());
  CHECK(registry.RenderText().find("pending{tenant=\"t1\"} 3\n") !=
        std::string::npos);
  pending = 0.5;
  CHECK(registry.RenderText().find("pending{tenant=\"t1\"} 0.5\n") !=
        std::string::npos);
}

TEST_CASE("a counter function is read at each render, typed as a counter",
          "[metrics]") {
  Registry registry;
  double busy = 1.25;
  REQUIRE(registry
              .AddCounterFunction("busy_seconds_total", "Busy.", {},
                                  [&] {
                                    return std::vector<Sample>{{{}, busy}};
                                  })
              .ok());
  CHECK(registry.RenderText() ==
        "# HELP busy_seconds_total Busy.\n"
        "# TYPE busy_seconds_total counter\n"
        "busy_seconds_total 1.25\n");
  busy = 2;
  CHECK(registry.RenderText().find("busy_seconds_total 2\n") !=
        std::string::npos);
  // Its name is taken like any other family's.
  CHECK(!registry
             .AddGaugeFunction("busy_seconds_total", "Again.", {},
                               [] { return std::vector<Sample>{}; })
             .ok());
}

TEST_CASE("concurrent counting loses no increments", "[metrics]") {
  Registry registry;
  auto family = registry.AddCounter("n_total", "N.");
  auto hist = registry.AddHistogram("d_seconds", "D.", {}, {0.5});
  REQUIRE(family.ok());
  REQUIRE(hist.ok());
  Counter& counter = (*family)->Get();
  Histogram& histogram = (*hist)->Get();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        counter.Increment();
        histogram.Observe(0.25);
      }
    });
  }
  for (int i = 0; i < 10; ++i) registry.RenderText();  // reads meanwhile
  for (std::thread& t : threads) t.join();
  CHECK(counter.Value() == 40000);
  CHECK(histogram.Read().cumulative[0] == 40000);
  CHECK(histogram.Read().sum == 10000);
}

}  // namespace
}  // namespace portcullis::metrics
