// libFuzzer target: arbitrary bytes in, Compile() must return errors or a
// policy without crashing, hanging or leaking, and a compiled policy must
// decide actions for its own tenants and tools without crashing.
//
// NUL bytes split the input into up to four files, so that multi-file
// policies (and their header agreement) are exercised too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "policy/compiled_policy.h"
#include "policy/compiler.h"
#include "policy/usage.h"

namespace {

using portcullis::policy::Action;
using portcullis::policy::CompileResult;
using portcullis::policy::EmptyUsage;
using portcullis::policy::RuleInfo;
using portcullis::policy::RunMode;
using portcullis::policy::SourceFile;

constexpr size_t kMaxFiles = 4;

std::vector<SourceFile> SplitFiles(absl::string_view input) {
  std::vector<SourceFile> files;
  while (files.size() + 1 < kMaxFiles) {
    size_t nul = input.find('\0');
    if (nul == absl::string_view::npos) break;
    files.push_back(SourceFile{"f" + std::to_string(files.size()) + ".policy",
                               std::string(input.substr(0, nul))});
    input.remove_prefix(nul + 1);
  }
  files.push_back(SourceFile{"f" + std::to_string(files.size()) + ".policy",
                             std::string(input)});
  return files;
}

// Counters that are never empty, so that limits, count(), sum() and the
// session bounds take their other branches too.
class BusyUsage final : public portcullis::policy::UsageView {
 public:
  int64_t Count(absl::string_view, absl::Time) const override { return 5; }
  portcullis::policy::Decimal Sum(absl::string_view,
                                  absl::Time) const override {
    return portcullis::policy::Decimal::FromInteger(1000);
  }
  int64_t LiveSessions(absl::Time) const override { return 100000; }
};

// Decides a few actions for every tool that has rules: with and without a
// confidence, attended and not, at two instants, with empty and busy
// counters, in a session and not.
void Exercise(const portcullis::policy::CompiledPolicy& policy) {
  EmptyUsage empty;
  BusyUsage busy;
  std::vector<portcullis::policy::RuleTrace> trace;
  const absl::Time times[] = {absl::FromUnixSeconds(1767528000),
                              absl::FromUnixSeconds(1767571200)};
  for (const RuleInfo& rule : policy.Rules()) {
    for (int variant = 0; variant < 4; ++variant) {
      Action action;
      action.tenant = rule.tenant;
      action.tool = rule.tool.empty() ? "unknown-tool" : rule.tool;
      action.agent = "fuzz-agent";
      if (variant & 1) action.context.confidence = 0.5;
      if (variant & 2) action.context.run_mode = RunMode::kUnattended;
      if (variant & 1) action.context.session_id = "s/1";
      const portcullis::policy::UsageView& usage =
          variant & 2 ? static_cast<const portcullis::policy::UsageView&>(busy)
                      : empty;
      trace.clear();
      auto verdict = policy.Evaluate(action, times[variant & 1], usage,
                                     variant <= 2 ? &trace : nullptr);
      if (verdict.ok() && verdict->decided_by.empty()) std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<SourceFile> files = SplitFiles(input);
  CompileResult result = portcullis::policy::Compile(files);
  // Exactly one of a policy and errors.
  if ((result.policy == nullptr) == result.errors.empty()) std::abort();
  for (const auto& error : result.errors) {
    if (error.message.empty()) std::abort();
  }
  if (result.policy != nullptr) Exercise(*result.policy);
  return 0;
}
