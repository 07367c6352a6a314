// Registry holds a process's metrics and renders them in the Prometheus
// text exposition format. There is no global registry: the composition
// root makes one and hands it (or the families it returns) to whatever
// counts. Families are registered once, at start; counting and rendering
// may then run concurrently. Thread-safe.
#ifndef PORTCULLIS_METRICS_REGISTRY_H_
#define PORTCULLIS_METRICS_REGISTRY_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "metrics/counter.h"
#include "metrics/family.h"
#include "metrics/histogram.h"

namespace portcullis::metrics {

// One series of a gauge or a counter read at render time.
struct Sample {
  std::vector<std::string> values;  // one per label name
  double value = 0;
};

// The most series a family keeps before new label values overflow.
inline constexpr size_t kDefaultMaxSeries = 256;

class Registry {
 public:
  // Each Add returns InvalidArgument for a malformed name or label name, a
  // name already registered, or (histograms) bad bucket bounds. The family
  // lives as long as the registry.
  absl::StatusOr<Family<Counter>*> AddCounter(
      std::string name, std::string help, std::vector<std::string> labels = {},
      size_t max_series = kDefaultMaxSeries);
  absl::StatusOr<Family<Gauge>*> AddGauge(
      std::string name, std::string help, std::vector<std::string> labels = {},
      size_t max_series = kDefaultMaxSeries);
  absl::StatusOr<Family<Histogram>*> AddHistogram(
      std::string name, std::string help, std::vector<std::string> labels,
      std::vector<double> bounds, size_t max_series = kDefaultMaxSeries);

  // A gauge whose series are read from `read` at each render: for values
  // the process already keeps (pending approvals, the policy in force).
  // `read` must be thread-safe, must not call the registry, and should
  // return a bounded number of series.
  absl::Status AddGaugeFunction(std::string name, std::string help,
                                std::vector<std::string> labels,
                                std::function<std::vector<Sample>()> read);
  // The same for a counter the process already keeps: `read` must return
  // values that never decrease (over the process's life).
  absl::Status AddCounterFunction(std::string name, std::string help,
                                  std::vector<std::string> labels,
                                  std::function<std::vector<Sample>()> read);

  // Every family in registration order, in the text exposition format.
  std::string RenderText() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Status Validate(const std::string& name,
                        const std::vector<std::string>& labels) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::Status AddFunction(std::string name, std::string help, const char* type,
                           std::vector<std::string> labels,
                           std::function<std::vector<Sample>()> read)
      ABSL_LOCKS_EXCLUDED(mu_);
  template <typename Metric>
  absl::StatusOr<Family<Metric>*> Add(
      std::string name, std::string help, const char* type,
      std::vector<std::string> labels, size_t max_series,
      std::function<std::unique_ptr<Metric>()> make) ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<RenderedFamily>> families_ ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::metrics

#endif  // PORTCULLIS_METRICS_REGISTRY_H_
