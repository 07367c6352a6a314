#include "crypto/key_file.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "tests/testing/temp_dir.h"

namespace portcullis::crypto {
namespace {

TEST_CASE("a key pair written to files reads back identically", "[key_file]") {
  testing::TempDir dir;
  SigningKey key = SigningKey::Generate();
  REQUIRE(WriteSigningKeyFile(dir.Sub("gate.key"), key).ok());
  REQUIRE(WriteVerifyingKeyFile(dir.Sub("gate.pub"), key.verifying_key()).ok());
  struct stat st;
  REQUIRE(::stat(dir.Sub("gate.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  auto read = ReadSigningKeyFile(dir.Sub("gate.key"));
  REQUIRE(read.ok());
  CHECK(read->Sign("m") == key.Sign("m"));
  auto pub = ReadVerifyingKeyFile(dir.Sub("gate.pub"));
  REQUIRE(pub.ok());
  CHECK(pub->bytes() == key.verifying_key().bytes());
  CHECK(KeyId(*pub).size() == 16);
  CHECK(ParseVerifyingKey(FormatVerifyingKey(*pub))->bytes() == pub->bytes());
}

TEST_CASE("key files are never overwritten", "[key_file]") {
  testing::TempDir dir;
  SigningKey key = SigningKey::Generate();
  REQUIRE(WriteSigningKeyFile(dir.Sub("k"), key).ok());
  CHECK(WriteSigningKeyFile(dir.Sub("k"), SigningKey::Generate()).code() ==
        absl::StatusCode::kAlreadyExists);
  CHECK(ReadSigningKeyFile(dir.Sub("k"))->Sign("m") == key.Sign("m"));
}

TEST_CASE("a signing key readable by others is refused", "[key_file]") {
  testing::TempDir dir;
  REQUIRE(WriteSigningKeyFile(dir.Sub("k"), SigningKey::Generate()).ok());
  REQUIRE(::chmod(dir.Sub("k").c_str(), 0640) == 0);
  auto read = ReadSigningKeyFile(dir.Sub("k"));
  CHECK(read.status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(read.status().message().find("chmod 600") != std::string::npos);
}

TEST_CASE("malformed and missing key files are clear errors", "[key_file]") {
  testing::TempDir dir;
  CHECK(ReadSigningKeyFile(dir.Sub("absent")).status().code() ==
        absl::StatusCode::kNotFound);
  { std::ofstream(dir.Sub("short")) << "c2hvcnQ=\n"; }
  ::chmod(dir.Sub("short").c_str(), 0600);
  CHECK(ReadSigningKeyFile(dir.Sub("short")).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ReadVerifyingKeyFile(dir.Sub("short")).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ParseVerifyingKey("not base64!").status().code() ==
        absl::StatusCode::kInvalidArgument);
}

}  // namespace
TEST_CASE("a password file is read without its newline and kept private",
          "[key_file][password]") {
  testing::TempDir dir;
  { std::ofstream(dir.Sub("redis.pass")) << "s3cret pass\n"; }
  REQUIRE(::chmod(dir.Sub("redis.pass").c_str(), 0600) == 0);
  auto read = ReadPasswordFile(dir.Sub("redis.pass"));
  REQUIRE(read.ok());
  CHECK(read->view() == "s3cret pass");

  REQUIRE(::chmod(dir.Sub("redis.pass").c_str(), 0644) == 0);
  auto open = ReadPasswordFile(dir.Sub("redis.pass"));
  CHECK(open.status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(open.status().message().find("s3cret") == std::string::npos);

  { std::ofstream(dir.Sub("empty")) << "\n"; }
  REQUIRE(::chmod(dir.Sub("empty").c_str(), 0600) == 0);
  CHECK(ReadPasswordFile(dir.Sub("empty")).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ReadPasswordFile(dir.Sub("absent")).status().code() ==
        absl::StatusCode::kNotFound);
  { std::ofstream(dir.Sub("big")) << std::string(300, 'x'); }
  REQUIRE(::chmod(dir.Sub("big").c_str(), 0600) == 0);
  auto big = ReadPasswordFile(dir.Sub("big"));
  CHECK(big.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(big.status().message().find("password file") != std::string::npos);
}

}  // namespace portcullis::crypto
