#include "bench/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace portcullis::bench {

// Values below kSubBuckets have a bucket each. Above, a value with its top
// bit at position e lands in one of kSubBuckets buckets of width
// 2^(e - kSubBucketBits), chosen by the kSubBucketBits bits below the top.
int LatencyHistogram::BucketOf(uint64_t nanos) {
  if (nanos < kSubBuckets) return static_cast<int>(nanos);
  const int top_bit = std::bit_width(nanos) - 1;
  const int shift = top_bit - kSubBucketBits;
  const uint64_t sub_bucket = (nanos >> shift) - kSubBuckets;
  return static_cast<int>(kSubBuckets + shift * kSubBuckets + sub_bucket);
}

uint64_t LatencyHistogram::UpperBoundOf(int bucket) {
  if (bucket < static_cast<int>(kSubBuckets)) return bucket;
  const int shift = (bucket - kSubBuckets) / kSubBuckets;
  const uint64_t sub_bucket = (bucket - kSubBuckets) % kSubBuckets;
  const uint64_t lower = (kSubBuckets + sub_bucket) << shift;
  return lower + ((uint64_t{1} << shift) - 1);
}

void LatencyHistogram::Record(absl::Duration latency) {
  const int64_t signed_nanos = absl::ToInt64Nanoseconds(latency);
  const uint64_t nanos = signed_nanos < 0 ? 0 : signed_nanos;
  ++buckets_[BucketOf(nanos)];
  ++count_;
  min_nanos_ = std::min(min_nanos_, nanos);
  max_nanos_ = std::max(max_nanos_, nanos);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (int i = 0; i < kBucketCount; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  min_nanos_ = std::min(min_nanos_, other.min_nanos_);
  max_nanos_ = std::max(max_nanos_, other.max_nanos_);
}

absl::Duration LatencyHistogram::min() const {
  return count_ == 0 ? absl::ZeroDuration() : absl::Nanoseconds(min_nanos_);
}

absl::Duration LatencyHistogram::max() const {
  return absl::Nanoseconds(max_nanos_);
}

absl::Duration LatencyHistogram::Percentile(double quantile) const {
  if (count_ == 0) return absl::ZeroDuration();
  // The rank of the wanted call, 1-based: the median of 4 calls is the 2nd.
  const uint64_t rank = std::clamp<uint64_t>(
      static_cast<uint64_t>(std::ceil(quantile * count_)), 1, count_);
  uint64_t seen = 0;
  for (int i = 0; i < kBucketCount; ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      return absl::Nanoseconds(
          std::clamp(UpperBoundOf(i), min_nanos_, max_nanos_));
    }
  }
  return max();  // Unreachable: the buckets add up to count_.
}

}  // namespace portcullis::bench
