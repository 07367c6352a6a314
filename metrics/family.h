// Family is one metric name with a fixed set of label names and a series
// (a Counter, Gauge or Histogram) per distinct combination of label values.
// Cardinality is bounded: once `max_series` series exist, new combinations
// share one overflow series whose every label value is kOverflowLabel, so a
// caller that passes unbounded values (which it must not) cannot make the
// gate's memory or a scrape grow without limit.
//
// Looking a series up takes a lock and builds a key; callers on the hot
// path look up once and keep the reference, which stays valid as long as
// the family. Thread-safe.
#ifndef PORTCULLIS_METRICS_FAMILY_H_
#define PORTCULLIS_METRICS_FAMILY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "metrics/text_format.h"

namespace portcullis::metrics {

inline constexpr char kOverflowLabel[] = "other";

// What the registry needs of every family.
class RenderedFamily {
 public:
  virtual ~RenderedFamily() = default;
  virtual const std::string& name() const = 0;
  // Appends HELP, TYPE and every series, sorted by label values.
  virtual void Render(std::string* out) const = 0;
};

template <typename Metric>
class Family : public RenderedFamily {
 public:
  Family(std::string name, std::string help, const char* type,
         std::vector<std::string> labels, size_t max_series,
         std::function<std::unique_ptr<Metric>()> make)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        labels_(std::move(labels)),
        max_series_(max_series),
        make_(std::move(make)) {}

  // The series for `values`, one per label name in order (missing ones
  // read as "", extra ones are ignored); created on first use.
  Metric& WithLabels(absl::Span<const absl::string_view> values)
      ABSL_LOCKS_EXCLUDED(mu_) {
    std::vector<std::string> key(labels_.size());
    for (size_t i = 0; i < key.size() && i < values.size(); ++i) {
      key[i] = std::string(values[i]);
    }
    absl::MutexLock lock(&mu_);
    auto it = series_.find(key);
    if (it != series_.end()) return *it->second;
    if (series_.size() >= max_series_) {
      key.assign(labels_.size(), kOverflowLabel);
      it = series_.find(key);
      if (it != series_.end()) return *it->second;
    }
    return *series_.emplace(std::move(key), make_()).first->second;
  }

  // The one series of a family without labels.
  Metric& Get() { return WithLabels({}); }

  const std::string& name() const override { return name_; }

  void Render(std::string* out) const override ABSL_LOCKS_EXCLUDED(mu_) {
    AppendHeader(name_, help_, type_, out);
    absl::MutexLock lock(&mu_);
    for (const auto& [values, metric] : series_) {
      AppendSeries(name_, labels_, values, *metric, out);
    }
  }

 private:
  const std::string name_;
  const std::string help_;
  const char* const type_;
  const std::vector<std::string> labels_;
  const size_t max_series_;
  const std::function<std::unique_ptr<Metric>()> make_;
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> series_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::metrics

#endif  // PORTCULLIS_METRICS_FAMILY_H_
