#include "metrics/text_format.h"

#include <charconv>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace portcullis::metrics {
namespace {

bool IsNameChar(char c, bool first, bool colon_ok) {
  if (absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_') {
    return true;
  }
  if (colon_ok && c == ':') return true;
  return !first && absl::ascii_isdigit(static_cast<unsigned char>(c));
}

bool IsName(absl::string_view name, bool colon_ok) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, colon_ok)) return false;
  }
  return true;
}

// Label values escape backslash, double quote and line feed; help text
// escapes backslash and line feed.
void AppendEscaped(absl::string_view text, bool quote, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '"':
        out->append(quote ? "\\\"" : "\"");
        break;
      default:
        out->push_back(c);
    }
  }
}

void AppendLabels(const std::vector<std::string>& labels,
                  const std::vector<std::string>& values, absl::string_view le,
                  std::string* out) {
  if (labels.empty() && le.empty()) return;
  out->push_back('{');
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out->push_back(',');
    absl::StrAppend(out, labels[i], "=\"");
    AppendEscaped(i < values.size() ? values[i] : "", true, out);
    out->push_back('"');
  }
  if (!le.empty()) {
    absl::StrAppend(out, labels.empty() ? "" : ",", "le=\"", le, "\"");
  }
  out->push_back('}');
}

}  // namespace

absl::Status ValidateMetricName(absl::string_view name) {
  if (IsName(name, /*colon_ok=*/true)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "metric name \"", name, "\" is not [a-zA-Z_:][a-zA-Z0-9_:]*"));
}

absl::Status ValidateLabelName(absl::string_view name) {
  if (!IsName(name, /*colon_ok=*/false) || absl::StartsWith(name, "__") ||
      name == "le") {
    return absl::InvalidArgumentError(
        absl::StrCat("label name \"", name,
                     "\" is not [a-zA-Z_][a-zA-Z0-9_]*, or is reserved"));
  }
  return absl::OkStatus();
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  std::to_chars_result r = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, r.ptr);
}

void AppendHeader(absl::string_view name, absl::string_view help,
                  absl::string_view type, std::string* out) {
  absl::StrAppend(out, "# HELP ", name, " ");
  AppendEscaped(help, false, out);
  absl::StrAppend(out, "\n# TYPE ", name, " ", type, "\n");
}

void AppendSample(absl::string_view name,
                  const std::vector<std::string>& labels,
                  const std::vector<std::string>& values, double value,
                  std::string* out) {
  out->append(name.data(), name.size());
  AppendLabels(labels, values, "", out);
  absl::StrAppend(out, " ", FormatValue(value), "\n");
}

void AppendSeries(absl::string_view name,
                  const std::vector<std::string>& labels,
                  const std::vector<std::string>& values,
                  const Counter& counter, std::string* out) {
  out->append(name.data(), name.size());
  AppendLabels(labels, values, "", out);
  absl::StrAppend(out, " ", counter.Value(), "\n");
}

void AppendSeries(absl::string_view name,
                  const std::vector<std::string>& labels,
                  const std::vector<std::string>& values, const Gauge& gauge,
                  std::string* out) {
  AppendSample(name, labels, values, gauge.Value(), out);
}

void AppendSeries(absl::string_view name,
                  const std::vector<std::string>& labels,
                  const std::vector<std::string>& values,
                  const Histogram& histogram, std::string* out) {
  HistogramReading r = histogram.Read();
  std::string bucket = absl::StrCat(name, "_bucket");
  for (size_t i = 0; i <= r.bounds.size(); ++i) {
    bool inf = i == r.bounds.size();
    out->append(bucket);
    AppendLabels(labels, values, inf ? "+Inf" : FormatValue(r.bounds[i]), out);
    absl::StrAppend(out, " ", inf ? r.count : r.cumulative[i], "\n");
  }
  AppendSample(absl::StrCat(name, "_sum"), labels, values, r.sum, out);
  out->append(absl::StrCat(name, "_count"));
  AppendLabels(labels, values, "", out);
  absl::StrAppend(out, " ", r.count, "\n");
}

}  // namespace portcullis::metrics
