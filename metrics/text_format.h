// The Prometheus text exposition format (version 0.0.4), written: metric
// and label name checks, escaping of label values and help text, number
// formatting, and one function per kind of series. Pure functions;
// thread-safe.
#ifndef PORTCULLIS_METRICS_TEXT_FORMAT_H_
#define PORTCULLIS_METRICS_TEXT_FORMAT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "metrics/counter.h"
#include "metrics/histogram.h"

namespace portcullis::metrics {

// The Content-Type of what RenderText produces.
inline constexpr char kTextContentType[] = "text/plain; version=0.0.4";

// InvalidArgument unless `name` matches [a-zA-Z_:][a-zA-Z0-9_:]*.
absl::Status ValidateMetricName(absl::string_view name);

// InvalidArgument unless `name` matches [a-zA-Z_][a-zA-Z0-9_]* and does not
// start with "__" (reserved), and is not "le" (histograms use it).
absl::Status ValidateLabelName(absl::string_view name);

// A double as Prometheus reads it: the shortest text that reads back
// exactly, or "+Inf", "-Inf", "NaN".
std::string FormatValue(double value);

// "# HELP name help\n# TYPE name type\n", help escaped.
void AppendHeader(absl::string_view name, absl::string_view help,
                  absl::string_view type, std::string* out);

// One line per sample: `name{labels} value`. `values` pairs with `labels`.
void AppendSample(absl::string_view name,
                  const std::vector<std::string>& labels,
                  const std::vector<std::string>& values, double value,
                  std::string* out);
void AppendSeries(absl::string_view name,
                  const std::vector<std::string>& labels,
                  const std::vector<std::string>& values,
                  const Counter& counter, std::string* out);
void AppendSeries(absl::string_view name,
                  const std::vector<std::string>& labels,
                  const std::vector<std::string>& values, const Gauge& gauge,
                  std::string* out);
// name_bucket{...,le="..."} for each bound and +Inf, name_sum, name_count.
void AppendSeries(absl::string_view name,
                  const std::vector<std::string>& labels,
                  const std::vector<std::string>& values,
                  const Histogram& histogram, std::string* out);

}  // namespace portcullis::metrics

#endif  // PORTCULLIS_METRICS_TEXT_FORMAT_H_
