#include "policy/internal/diagnostics.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace portcullis::policy::policy_internal {

void DiagnosticSink::Error(Position pos, std::string message) {
  if (full_) return;
  Diagnostic d;
  if (pos.file >= 0 && pos.file < static_cast<int>(sources_.size())) {
    d.path = sources_[pos.file].path;
  }
  d.line = pos.line;
  d.column = pos.column;
  if (static_cast<int>(errors_.size()) == kMaxErrors) {
    d.message = "too many errors; stopping here";
    full_ = true;
  } else {
    d.message = std::move(message);
  }
  errors_.push_back(std::move(d));
  positions_.push_back(pos);
}

std::vector<Diagnostic> DiagnosticSink::Take() {
  size_t sorted = full_ ? errors_.size() - 1 : errors_.size();
  std::vector<size_t> order(sorted);
  for (size_t i = 0; i < sorted; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return positions_[a] < positions_[b];
  });
  std::vector<Diagnostic> out;
  out.reserve(errors_.size());
  for (size_t i : order) out.push_back(std::move(errors_[i]));
  if (full_) out.push_back(std::move(errors_.back()));
  errors_.clear();
  positions_.clear();
  full_ = false;
  return out;
}

std::string DiagnosticSink::Locate(Position pos) const {
  absl::string_view path =
      pos.file >= 0 && pos.file < static_cast<int>(sources_.size())
          ? absl::string_view(sources_[pos.file].path)
          : absl::string_view();
  return absl::StrCat(path, ":", pos.line, ":", pos.column);
}

void DiagnosticSink::SyntaxError(Position pos, std::string message) {
  if (pos.file == last_syntax_error_.file &&
      pos.line == last_syntax_error_.line) {
    return;
  }
  last_syntax_error_ = pos;
  Error(pos, std::move(message));
}

}  // namespace portcullis::policy::policy_internal
