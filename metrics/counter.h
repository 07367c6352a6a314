// Counter is a monotonically increasing count (Prometheus "counter"), and
// Gauge a value that goes up and down. Both are one relaxed atomic: the
// cost of counting on the hot path is a single uncontended atomic add.
// Thread-safe.
#ifndef PORTCULLIS_METRICS_COUNTER_H_
#define PORTCULLIS_METRICS_COUNTER_H_

#include <atomic>
#include <cstdint>

namespace portcullis::metrics {

class Counter {
 public:
  void Increment(uint64_t by = 1) {
    value_.fetch_add(by, std::memory_order_relaxed);
  }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

}  // namespace portcullis::metrics

#endif  // PORTCULLIS_METRICS_COUNTER_H_
