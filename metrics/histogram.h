// Histogram counts observations into fixed buckets chosen when it is made
// (Prometheus "histogram": cumulative buckets, a sum and a count). Observing
// is a short search of the bounds and two relaxed atomic adds; nothing is
// allocated and no lock is taken. Thread-safe.
#ifndef PORTCULLIS_METRICS_HISTOGRAM_H_
#define PORTCULLIS_METRICS_HISTOGRAM_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace portcullis::metrics {

// Returns InvalidArgument unless `bounds` is non-empty, finite and strictly
// increasing (the +Inf bucket is implied).
absl::Status ValidateBucketBounds(absl::Span<const double> bounds);

// A consistent-enough reading: `cumulative[i]` counts observations <=
// bounds[i]; `count` (the +Inf bucket) is the sum of all buckets read.
struct HistogramReading {
  std::vector<double> bounds;
  std::vector<uint64_t> cumulative;
  uint64_t count = 0;
  double sum = 0;
};

class Histogram {
 public:
  // Precondition: ValidateBucketBounds(bounds) is OK (Registry checks it).
  explicit Histogram(std::vector<double> bounds);

  // Counts `value` in the first bucket whose bound is >= value (NaN and
  // values above every bound land in +Inf).
  void Observe(double value);

  HistogramReading Read() const;

 private:
  const std::vector<double> bounds_;
  // One per bound plus +Inf; not cumulative.
  const std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
};

}  // namespace portcullis::metrics

#endif  // PORTCULLIS_METRICS_HISTOGRAM_H_
