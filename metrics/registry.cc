#include "metrics/registry.h"

#include "absl/strings/str_cat.h"

namespace portcullis::metrics {
namespace {

// A family of `type` (a gauge or a counter) whose series come from a
// function at render time.
class FunctionFamily : public RenderedFamily {
 public:
  FunctionFamily(std::string name, std::string help, const char* type,
                 std::vector<std::string> labels,
                 std::function<std::vector<Sample>()> read)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        labels_(std::move(labels)),
        read_(std::move(read)) {}

  const std::string& name() const override { return name_; }

  void Render(std::string* out) const override {
    AppendHeader(name_, help_, type_, out);
    for (const Sample& s : read_()) {
      AppendSample(name_, labels_, s.values, s.value, out);
    }
  }

 private:
  const std::string name_;
  const std::string help_;
  const char* const type_;
  const std::vector<std::string> labels_;
  const std::function<std::vector<Sample>()> read_;
};

}  // namespace

absl::Status Registry::Validate(const std::string& name,
                                const std::vector<std::string>& labels) const {
  if (absl::Status s = ValidateMetricName(name); !s.ok()) return s;
  for (const std::string& label : labels) {
    if (absl::Status s = ValidateLabelName(label); !s.ok()) return s;
  }
  for (const auto& family : families_) {
    if (family->name() == name) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric \"", name, "\" is already registered"));
    }
  }
  return absl::OkStatus();
}

template <typename Metric>
absl::StatusOr<Family<Metric>*> Registry::Add(
    std::string name, std::string help, const char* type,
    std::vector<std::string> labels, size_t max_series,
    std::function<std::unique_ptr<Metric>()> make) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Validate(name, labels); !s.ok()) return s;
  auto family = std::make_unique<Family<Metric>>(
      std::move(name), std::move(help), type, std::move(labels),
      std::max<size_t>(1, max_series), std::move(make));
  Family<Metric>* raw = family.get();
  families_.push_back(std::move(family));
  return raw;
}

absl::StatusOr<Family<Counter>*> Registry::AddCounter(
    std::string name, std::string help, std::vector<std::string> labels,
    size_t max_series) {
  return Add<Counter>(std::move(name), std::move(help), "counter",
                      std::move(labels), max_series,
                      [] { return std::make_unique<Counter>(); });
}

absl::StatusOr<Family<Gauge>*> Registry::AddGauge(
    std::string name, std::string help, std::vector<std::string> labels,
    size_t max_series) {
  return Add<Gauge>(std::move(name), std::move(help), "gauge",
                    std::move(labels), max_series,
                    [] { return std::make_unique<Gauge>(); });
}

absl::StatusOr<Family<Histogram>*> Registry::AddHistogram(
    std::string name, std::string help, std::vector<std::string> labels,
    std::vector<double> bounds, size_t max_series) {
  if (absl::Status s = ValidateBucketBounds(bounds); !s.ok()) return s;
  return Add<Histogram>(std::move(name), std::move(help), "histogram",
                        std::move(labels), max_series,
                        [bounds = std::move(bounds)] {
                          return std::make_unique<Histogram>(bounds);
                        });
}

absl::Status Registry::AddFunction(std::string name, std::string help,
                                   const char* type,
                                   std::vector<std::string> labels,
                                   std::function<std::vector<Sample>()> read) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Validate(name, labels); !s.ok()) return s;
  families_.push_back(
      std::make_unique<FunctionFamily>(std::move(name), std::move(help), type,
                                       std::move(labels), std::move(read)));
  return absl::OkStatus();
}

absl::Status Registry::AddGaugeFunction(
    std::string name, std::string help, std::vector<std::string> labels,
    std::function<std::vector<Sample>()> read) {
  return AddFunction(std::move(name), std::move(help), "gauge",
                     std::move(labels), std::move(read));
}

absl::Status Registry::AddCounterFunction(
    std::string name, std::string help, std::vector<std::string> labels,
    std::function<std::vector<Sample>()> read) {
  return AddFunction(std::move(name), std::move(help), "counter",
                     std::move(labels), std::move(read));
}

std::string Registry::RenderText() const {
  std::string out;
  absl::MutexLock lock(&mu_);
  for (const auto& family : families_) family->Render(&out);
  return out;
}

}  // namespace portcullis::metrics
