#include "cli/policy_test_command.h"

#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/candidate_policy.h"
#include "cli/policy_test_files.h"
#include "gate/replay/policy_test_runner.h"

namespace portcullis::cli {
namespace {

int Fail(CommandIo& io, int code, absl::string_view message) {
  io.err << "portcullis policy test: " << message << "\n";
  return code;
}

struct Tally {
  int passed = 0;
  int failed = 0;
};

// Runs one file's cases, printing a line per case.
absl::Status RunFile(const PolicyTestFile& file,
                     gate::replay::PolicyTestRunner& runner, Tally& tally,
                     CommandIo& io) {
  io.out << file.path << ":\n";
  for (const gate::replay::PolicyTestCase& test : file.cases) {
    absl::StatusOr<gate::replay::PolicyTestResult> result = runner.Run(test);
    if (!result.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(test.location, ": ", result.status().message()));
    }
    if (result->passed) {
      ++tally.passed;
      io.out << "  PASS " << test.name << "\n";
    } else {
      ++tally.failed;
      io.out << "  FAIL " << test.name << " (" << test.location << ")\n"
             << "       " << result->failure << "\n";
    }
  }
  return absl::OkStatus();
}

void PrintCoverage(const gate::replay::PolicyTestRunner& runner,
                   CommandIo& io) {
  std::vector<policy::RuleInfo> missed = runner.Unexercised();
  const size_t rules = runner.rules();
  const size_t covered = rules - missed.size();
  char percent[16];
  std::snprintf(percent, sizeof(percent), "%.1f",
                rules == 0 ? 100.0 : 100.0 * covered / rules);
  io.out << "coverage: " << covered << " of " << rules << " rules (" << percent
         << "%) matched by some case\n";
  for (const policy::RuleInfo& rule : missed) {
    io.out << "  not exercised: " << rule.tenant << " "
           << (rule.tool.empty() ? "(tenant-wide)" : rule.tool) << " "
           << rule.id << ": " << rule.description << "\n";
  }
}

}  // namespace

int RunPolicyTest(const PolicyTestArgs& args, CommandIo& io) {
  if (args.dir.empty()) {
    return Fail(io, kExitUsage, "name the directory of test files");
  }
  auto files = ReadPolicyTestFiles(args.dir);
  if (!files.ok()) return Fail(io, kExitUsage, files.status().message());
  auto policy = CompileCandidate(args.policy.empty() ? args.dir : args.policy);
  if (!policy.ok()) {
    bool broken = absl::IsFailedPrecondition(policy.status());
    return Fail(io, broken ? kExitFailed : kExitUsage,
                policy.status().message());
  }
  gate::replay::PolicyTestRunner runner(*(*policy)->program);
  Tally tally;
  for (const PolicyTestFile& file : *files) {
    absl::Status s = RunFile(file, runner, tally, io);
    if (!s.ok()) return Fail(io, kExitUsage, s.message());
  }
  const int total = tally.passed + tally.failed;
  io.out << "--------------------------------------------------------------"
            "----------------\n"
         << "PASS: " << tally.passed << "/" << total;
  if (tally.failed > 0) io.out << "\nFAIL: " << tally.failed << "/" << total;
  io.out << "\n";
  PrintCoverage(runner, io);
  return tally.failed == 0 ? kExitOk : kExitFailed;
}

}  // namespace portcullis::cli
