// DiagnosticSink collects the errors of one compilation, with their
// positions, up to a cap: a policy with a thousand mistakes shows the first
// fifty and says that it stopped. Not thread-safe; one per Compile() call.
#ifndef PORTCULLIS_POLICY_INTERNAL_DIAGNOSTICS_H_
#define PORTCULLIS_POLICY_INTERNAL_DIAGNOSTICS_H_

#include <string>
#include <vector>

#include "absl/types/span.h"
#include "policy/compiler.h"
#include "policy/internal/position.h"

namespace portcullis::policy::policy_internal {

class DiagnosticSink {
 public:
  static constexpr int kMaxErrors = 50;

  // `sources` labels positions with their paths; it must outlive the sink.
  explicit DiagnosticSink(absl::Span<const SourceFile> sources)
      : sources_(sources) {}

  // Records an error at `pos`. Past kMaxErrors, records one final "too many
  // errors" diagnostic and drops the rest.
  void Error(Position pos, std::string message);

  // Like Error(), but drops the error when one was already recorded on the
  // same line: one syntax slip should not produce a cascade.
  void SyntaxError(Position pos, std::string message);

  bool has_errors() const { return !errors_.empty(); }
  // True once the cap is reached: callers may stop early.
  bool full() const { return full_; }
  int error_count() const { return static_cast<int>(errors_.size()); }

  // Returns the errors ordered by file, line and column (the "too many
  // errors" note, if any, last) and empties the sink.
  std::vector<Diagnostic> Take();

  // "path:line:column", to point from one error at another place.
  std::string Locate(Position pos) const;

 private:
  absl::Span<const SourceFile> sources_;
  std::vector<Diagnostic> errors_;
  std::vector<Position> positions_;  // parallel to errors_
  Position last_syntax_error_{-1, 0, 0};
  bool full_ = false;
};

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_DIAGNOSTICS_H_
