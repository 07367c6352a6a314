#include "cli/token_commands.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "config/config_loader.h"
#include "identity/principal_table.h"
#include "tests/cli/captured.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::cli {
namespace {

// The token a create printed (the line after the first).
std::string TokenFrom(const Captured& c) {
  std::istringstream lines(c.out.str());
  std::string line;
  std::getline(lines, line);
  std::getline(lines, line);
  return line;
}

std::shared_ptr<const identity::PrincipalTable> Table(const std::string& path) {
  auto file = config::LoadPrincipalsFile(path);
  REQUIRE(file.ok());
  std::vector<config::v1::PrincipalConfig> list(file->principals().begin(),
                                                file->principals().end());
  auto table = identity::PrincipalTable::Create(list);
  REQUIRE(table.ok());
  return *table;
}

TEST_CASE("tokens create writes a principal the gate accepts",
          "[cli][tokens]") {
  testing::TempDir dir;
  std::string file = dir.Sub("principals.json");
  Captured c;
  REQUIRE(RunTokensCreate(
              {"support-agent", {"agent"}, {"al-noor"}, {1001}, file}, c.io) ==
          kExitOk);
  std::string token = TokenFrom(c);
  CHECK(token.rfind("pcl_", 0) == 0);
  struct stat st;
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto table = Table(file);
  const identity::Principal* p = table->ByToken(token);
  REQUIRE(p != nullptr);
  CHECK(p->name == "support-agent");
  CHECK(table->ByUid(1001) == p);
  // The file holds the hash, never the token.
  Captured listed;
  REQUIRE(RunTokensList(file, listed.io) == kExitOk);
  CHECK(listed.out.str().find(token) == std::string::npos);
  CHECK(listed.out.str().find("blake2b:") != std::string::npos);
}

TEST_CASE("a second token rotates, revoking removes the first",
          "[cli][tokens]") {
  testing::TempDir dir;
  std::string file = dir.Sub("principals.json");
  Captured first, second;
  REQUIRE(RunTokensCreate({"bot", {"agent"}, {"t"}, {}, file}, first.io) ==
          kExitOk);
  REQUIRE(RunTokensCreate({"bot", {"agent"}, {"t"}, {}, file}, second.io) ==
          kExitOk);
  std::string old_token = TokenFrom(first), new_token = TokenFrom(second);
  CHECK(Table(file)->ByToken(old_token) != nullptr);
  CHECK(Table(file)->ByToken(new_token) != nullptr);

  std::string old_hash =
      first.out.str().substr(first.out.str().find("hash: ") + 6, 8 + 64);
  Captured revoke;
  REQUIRE(RunTokensRevoke({file, "bot", old_hash}, revoke.io) == kExitOk);
  CHECK(Table(file)->ByToken(old_token) == nullptr);
  CHECK(Table(file)->ByToken(new_token) != nullptr);
  Captured again;
  CHECK(RunTokensRevoke({file, "bot", old_hash}, again.io) == kExitFailed);
}

TEST_CASE("a token cannot widen an existing principal", "[cli][tokens]") {
  testing::TempDir dir;
  std::string file = dir.Sub("principals.json");
  Captured first;
  REQUIRE(RunTokensCreate({"bot", {"agent"}, {"t"}, {}, file}, first.io) ==
          kExitOk);
  Captured wider;
  CHECK(RunTokensCreate({"bot", {"agent", "operator"}, {"t"}, {}, file},
                        wider.io) == kExitFailed);
  CHECK(wider.err.str().find("other roles or tenants") != std::string::npos);
}

TEST_CASE("tokens create rejects bad roles and tenants", "[cli][tokens]") {
  Captured missing;
  CHECK(RunTokensCreate({"bot", {}, {"t"}, {}, ""}, missing.io) == kExitUsage);
  Captured bad_role;
  CHECK(RunTokensCreate({"bot", {"root"}, {"t"}, {}, ""}, bad_role.io) ==
        kExitUsage);
  CHECK(bad_role.err.str().find("unknown role") != std::string::npos);
  Captured bad_tenant;
  CHECK(RunTokensCreate({"bot", {"agent"}, {"../x"}, {}, ""}, bad_tenant.io) ==
        kExitUsage);
  Captured snippet;
  REQUIRE(RunTokensCreate({"bot", {"agent"}, {"*"}, {}, ""}, snippet.io) ==
          kExitOk);
  CHECK(snippet.out.str().find("tenants: ['*']") != std::string::npos);
}

}  // namespace
}  // namespace portcullis::cli
