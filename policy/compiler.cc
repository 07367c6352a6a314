#include "policy/compiler.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "policy/internal/ast.h"
#include "policy/internal/diagnostics.h"
#include "policy/internal/parser.h"
#include "policy/internal/program_builder.h"

namespace portcullis::policy {
namespace {

using policy_internal::DiagnosticSink;
using policy_internal::FileAst;
using policy_internal::Position;

constexpr size_t kMaxFiles = 1000;
constexpr size_t kMaxFileBytes = 1 << 20;
constexpr size_t kMaxTotalBytes = 16 << 20;

// Reports inputs too large to compile; returns true when there were any.
bool CheckSizes(absl::Span<const SourceFile> sources, DiagnosticSink* sink) {
  if (sources.empty()) {
    sink->Error(Position{-1, 0, 0}, "no policy files were given");
    return true;
  }
  if (sources.size() > kMaxFiles) {
    sink->Error(Position{-1, 0, 0},
                absl::StrCat("a policy has at most ", kMaxFiles, " files"));
    return true;
  }
  size_t total = 0;
  for (size_t i = 0; i < sources.size(); ++i) {
    total += sources[i].content.size();
    if (sources[i].content.size() > kMaxFileBytes) {
      sink->Error(Position{static_cast<int>(i), 1, 1},
                  absl::StrCat("the file is larger than ", kMaxFileBytes >> 20,
                               " MiB; split the policy into several files"));
    }
  }
  if (total > kMaxTotalBytes) {
    sink->Error(Position{-1, 0, 0},
                absl::StrCat("the policy is larger than ", kMaxTotalBytes >> 20,
                             " MiB in total"));
  }
  return sink->has_errors();
}

}  // namespace

std::string Diagnostic::ToString() const {
  if (path.empty() && line == 0) return message;
  return absl::StrCat(path, ":", line, ":", column, ": ", message);
}

CompileResult Compile(absl::Span<const SourceFile> sources) {
  CompileResult result;
  DiagnosticSink sink(sources);
  if (CheckSizes(sources, &sink)) {
    result.errors = sink.Take();
    return result;
  }
  std::vector<FileAst> files;
  files.reserve(sources.size());
  for (size_t i = 0; i < sources.size() && !sink.full(); ++i) {
    policy_internal::Parser parser(sources[i].content, static_cast<int>(i),
                                   &sink);
    files.push_back(parser.Parse());
  }
  if (sink.has_errors()) {
    result.errors = sink.Take();
    return result;
  }
  policy_internal::ProgramBuilder builder(&sink);
  std::unique_ptr<policy_internal::Program> program = builder.Build(files);
  if (program == nullptr) {
    result.errors = sink.Take();
    return result;
  }
  result.policy = std::move(program);
  return result;
}

}  // namespace portcullis::policy
