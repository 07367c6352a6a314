#include "metrics/histogram.h"

#include <algorithm>
#include <cmath>

namespace portcullis::metrics {

absl::Status ValidateBucketBounds(absl::Span<const double> bounds) {
  if (bounds.empty()) {
    return absl::InvalidArgumentError("a histogram needs at least one bucket");
  }
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      return absl::InvalidArgumentError("bucket bounds must be finite");
    }
    if (i > 0 && !(bounds[i - 1] < bounds[i])) {
      return absl::InvalidArgumentError(
          "bucket bounds must be strictly increasing");
    }
  }
  return absl::OkStatus();
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double value) {
  // The first bound >= value ("le"); NaN is in no finite bucket.
  size_t i = std::isnan(value)
                 ? bounds_.size()
                 : std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                       bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  if (!std::isnan(value)) sum_.fetch_add(value, std::memory_order_relaxed);
}

HistogramReading Histogram::Read() const {
  HistogramReading r;
  r.bounds = bounds_;
  r.cumulative.reserve(bounds_.size());
  uint64_t running = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    r.cumulative.push_back(running);
  }
  r.count = running + buckets_[bounds_.size()].load(std::memory_order_relaxed);
  r.sum = sum_.load(std::memory_order_relaxed);
  return r;
}

}  // namespace portcullis::metrics
