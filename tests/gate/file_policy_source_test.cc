#include "gate/file_policy_source.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/testing/temp_dir.h"

namespace portcullis::gate {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << content;
}

TEST_CASE("a single file is read as one source", "[file_policy_source]") {
  testing::TempDir dir;
  Write(dir.path() / "shop.policy", "tenant shop {}");
  auto text = FilePolicySource(dir.Sub("shop.policy")).Read();
  REQUIRE(text.ok());
  REQUIRE(text->files.size() == 1);
  CHECK(text->files[0].content == "tenant shop {}");
}

TEST_CASE("a directory contributes its visible *.policy files in order",
          "[file_policy_source]") {
  testing::TempDir dir;
  Write(dir.path() / "p" / "b.policy", "B");
  Write(dir.path() / "p" / "a.policy", "A");
  Write(dir.path() / "p" / "notes.txt", "ignored");
  Write(dir.path() / "p" / ".hidden.policy", "ignored");
  auto text = FilePolicySource(dir.Sub("p")).Read();
  REQUIRE(text.ok());
  REQUIRE(text->files.size() == 2);
  CHECK(text->files[0].content == "A");
  CHECK(text->files[1].content == "B");
}

TEST_CASE("a ConfigMap-style symlink swap is read whole",
          "[file_policy_source]") {
  // Kubernetes mounts: shop.policy -> ..data/shop.policy, ..data -> ..v1;
  // an update writes ..v2 and swaps ..data atomically.
  testing::TempDir dir;
  fs::path mount = dir.path() / "mount";
  Write(mount / "..v1" / "shop.policy", "version one");
  fs::create_directory_symlink("..v1", mount / "..data");
  fs::create_symlink("..data/shop.policy", mount / "shop.policy");
  FilePolicySource source(mount.string());
  REQUIRE(source.Read()->files.at(0).content == "version one");

  Write(mount / "..v2" / "shop.policy", "version two");
  fs::create_directory_symlink("..v2", mount / "..data_tmp");
  fs::rename(mount / "..data_tmp", mount / "..data");
  auto text = source.Read();
  REQUIRE(text.ok());
  REQUIRE(text->files.size() == 1);
  CHECK(text->files[0].content == "version two");
}

TEST_CASE("missing paths and empty directories are errors",
          "[file_policy_source]") {
  testing::TempDir dir;
  CHECK(FilePolicySource(dir.Sub("absent")).Read().status().code() ==
        absl::StatusCode::kNotFound);
  fs::create_directory(dir.path() / "empty");
  CHECK(FilePolicySource(dir.Sub("empty")).Read().status().code() ==
        absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace portcullis::gate
