// Finds and reads policy unit test files (docs/replay.md, "Policy tests"):
// every *_test.yaml, *_test.yml and *_test.json under a directory (hidden
// files and directories skipped), each a portcullis.replay.v1.PolicyTestFile
// in YAML or JSON. Thread-safe.
#ifndef PORTCULLIS_CLI_POLICY_TEST_FILES_H_
#define PORTCULLIS_CLI_POLICY_TEST_FILES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gate/replay/policy_test_case.h"

namespace portcullis::cli {

struct PolicyTestFile {
  std::string path;
  std::vector<gate::replay::PolicyTestCase> cases;
};

// The test files under `dir`, sorted by path. NotFound when `dir` is not a
// readable directory; InvalidArgument when it holds no test file, or
// naming the file and line of a case that does not parse, does not
// convert, or repeats another case's name.
absl::StatusOr<std::vector<PolicyTestFile>> ReadPolicyTestFiles(
    const std::string& dir);

// Reads one test file.
absl::StatusOr<PolicyTestFile> ReadPolicyTestFile(const std::string& path);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_POLICY_TEST_FILES_H_
