// A log-linear histogram of call latencies for the load generator: exact
// below 32 ns, then 32 buckets per power of two, so a reported percentile
// is within 1/32 (about 3%) above the true value, in constant memory
// whatever the number of calls. Not thread-safe: guard it externally, or
// keep one per thread and Merge() them.
#ifndef PORTCULLIS_BENCH_LATENCY_HISTOGRAM_H_
#define PORTCULLIS_BENCH_LATENCY_HISTOGRAM_H_

#include <array>
#include <cstdint>

#include "absl/time/time.h"

namespace portcullis::bench {

class LatencyHistogram {
 public:
  // Counts one call. A negative latency (a clock that went backwards) is
  // counted as zero; one beyond ~292 years saturates.
  void Record(absl::Duration latency);

  // Adds every call counted by `other`.
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  // Zero when nothing was recorded.
  absl::Duration min() const;
  absl::Duration max() const;

  // Returns the latency at or below which the fraction `quantile` (0 to 1,
  // e.g. 0.999) of the calls finished: the upper bound of the bucket that
  // holds the ceil(quantile * count)-th smallest latency, clamped to the
  // observed min and max, so Percentile(1) == max() exactly. Zero when
  // nothing was recorded. Precondition: 0 <= quantile <= 1.
  absl::Duration Percentile(double quantile) const;

 private:
  static constexpr int kSubBucketBits = 5;
  static constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBucketBits;
  // Exact buckets below kSubBuckets, then kSubBuckets per power of two up
  // to 2^63.
  static constexpr int kBucketCount = kSubBuckets * (64 - kSubBucketBits + 1);

  static int BucketOf(uint64_t nanos);
  static uint64_t UpperBoundOf(int bucket);

  std::array<uint64_t, kBucketCount> buckets_{};
  uint64_t count_ = 0;
  uint64_t min_nanos_ = UINT64_MAX;
  uint64_t max_nanos_ = 0;
};

}  // namespace portcullis::bench

#endif  // PORTCULLIS_BENCH_LATENCY_HISTOGRAM_H_
