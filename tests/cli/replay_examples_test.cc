// The replay example in examples/replay stays true: its recording replays
// unchanged against the example policy, and the candidate's one edit flips
// exactly what expect.yaml says.
#include <catch2/catch.hpp>

#include "cli/replay_command.h"
#include "tests/cli/replay_fixture.h"

namespace portcullis::cli {
namespace {

constexpr char kDir[] = PORTCULLIS_SOURCE_DIR "/examples/replay/";
constexpr char kCommerce[] = PORTCULLIS_SOURCE_DIR "/examples/commerce.policy";

std::string Example(const std::string& name) { return kDir + name; }

TEST_CASE("the example recording replays unchanged against its policy",
          "[cli][replay][examples]") {
  Captured c;
  CHECK(RunReplay({kCommerce, Example("recording.jsonl")}, c.io) == kExitOk);
  INFO(c.out.str() + c.err.str());
  CHECK(c.out.str().find("replayed 8 actions") != std::string::npos);
}

TEST_CASE("the example candidate flips what the example expects",
          "[cli][replay][examples]") {
  Captured unexpected;
  CHECK(RunReplay({Example("candidate.policy"), Example("recording.jsonl")},
                  unexpected.io) == kExitFailed);
  INFO(unexpected.out.str());
  CHECK(unexpected.out.str().find("  1 ALLOW → DENY\n") != std::string::npos);
  Captured expected;
  CHECK(RunReplay({Example("candidate.policy"), Example("recording.jsonl"),
                   Example("expect.yaml")},
                  expected.io) == kExitOk);
  CHECK(expected.out.str().find("OK: every change is expected") !=
        std::string::npos);
}

}  // namespace
}  // namespace portcullis::cli
