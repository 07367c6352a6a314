#include "crypto/master_key_file.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "absl/strings/escaping.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::crypto {
namespace {

void WriteFile(const std::string& path, const std::string& text, int mode) {
  { std::ofstream(path) << text; }
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

TEST_CASE("a created master key file is 0600 and reads back one key",
          "[master_key]") {
  testing::TempDir dir;
  REQUIRE(CreateMasterKeyFile(dir.Sub("master.key")).ok());
  struct stat st;
  REQUIRE(::stat(dir.Sub("master.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto keys = ReadMasterKeyFile(dir.Sub("master.key"));
  REQUIRE(keys.ok());
  REQUIRE(keys->size() == 1);
  CHECK(keys->at(0).key.size() == kMasterKeySize);
  CHECK(keys->at(0).id == MasterKeyId(keys->at(0).key));
  CHECK(keys->at(0).id.size() == 16);
  CHECK(CreateMasterKeyFile(dir.Sub("master.key")).code() ==
        absl::StatusCode::kAlreadyExists);
}

TEST_CASE("the last key of a master key file is the current one",
          "[master_key]") {
  testing::TempDir dir;
  std::string old_key = absl::Base64Escape(std::string(32, 'a'));
  std::string new_key = absl::Base64Escape(std::string(32, 'b'));
  WriteFile(dir.Sub("m"), "# retired\n" + old_key + "\n\n" + new_key + "\n",
            0600);
  auto keys = ReadMasterKeyFile(dir.Sub("m"));
  REQUIRE(keys.ok());
  REQUIRE(keys->size() == 2);
  CHECK(keys->back().key.view() == std::string(32, 'b'));
  CHECK(keys->front().id != keys->back().id);
}

TEST_CASE("a master key file others may read is refused", "[master_key]") {
  testing::TempDir dir;
  WriteFile(dir.Sub("m"), absl::Base64Escape(std::string(32, 'a')), 0640);
  auto keys = ReadMasterKeyFile(dir.Sub("m"));
  CHECK(keys.status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(keys.status().message().find("chmod 600") != std::string::npos);
  WriteFile(dir.Sub("m"), absl::Base64Escape(std::string(32, 'a')), 0604);
  CHECK(ReadMasterKeyFile(dir.Sub("m")).status().code() ==
        absl::StatusCode::kPermissionDenied);
}

TEST_CASE("malformed master key files are clear errors", "[master_key]") {
  testing::TempDir dir;
  CHECK(ReadMasterKeyFile(dir.Sub("absent")).status().code() ==
        absl::StatusCode::kNotFound);
  WriteFile(dir.Sub("short"), absl::Base64Escape("short") + "\n", 0600);
  auto bad = ReadMasterKeyFile(dir.Sub("short"));
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(bad.status().message().find("line 1") != std::string::npos);
  WriteFile(dir.Sub("empty"), "# nothing\n", 0600);
  CHECK(ReadMasterKeyFile(dir.Sub("empty")).status().code() ==
        absl::StatusCode::kInvalidArgument);
  std::string key = absl::Base64Escape(std::string(32, 'a'));
  WriteFile(dir.Sub("twice"), key + "\n" + key + "\n", 0600);
  CHECK(ReadMasterKeyFile(dir.Sub("twice")).status().code() ==
        absl::StatusCode::kInvalidArgument);
  WriteFile(dir.Sub("huge"), std::string(20000, 'A'), 0600);
  CHECK(ReadMasterKeyFile(dir.Sub("huge")).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace portcullis::crypto
