#include "cli/keys_commands.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "absl/strings/escaping.h"
#include "crypto/key_file.h"
#include "tests/cli/captured.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::cli {
namespace {

TEST_CASE("keys generate writes a usable pair and never overwrites it",
          "[cli][keys]") {
  testing::TempDir dir;
  Captured c;
  REQUIRE(RunKeysGenerate({dir.Sub("alice")}, c.io) == kExitOk);
  auto key = crypto::ReadSigningKeyFile(dir.Sub("alice.key"));
  REQUIRE(key.ok());
  auto pub = crypto::ReadVerifyingKeyFile(dir.Sub("alice.pub"));
  REQUIRE(pub.ok());
  CHECK(pub->Verify("m", key->Sign("m")));
  CHECK(c.out.str().find(crypto::FormatVerifyingKey(*pub)) !=
        std::string::npos);
  // The secret is never printed.
  CHECK(c.out.str().find(absl::Base64Escape(key->seed())) == std::string::npos);

  Captured again;
  CHECK(RunKeysGenerate({dir.Sub("alice")}, again.io) == kExitFailed);
  CHECK(again.err.str().find("refusing to overwrite") != std::string::npos);
  CHECK(crypto::ReadSigningKeyFile(dir.Sub("alice.key"))->Sign("m") ==
        key->Sign("m"));
}

TEST_CASE("keys generate needs --out", "[cli][keys]") {
  Captured c;
  CHECK(RunKeysGenerate({""}, c.io) == kExitUsage);
}

}  // namespace
}  // namespace portcullis::cli
