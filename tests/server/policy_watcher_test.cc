#include "daemon/policy_watcher.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::server {
namespace {

namespace fs = std::filesystem;

// Counts callbacks and lets the test wait for one without sleeping; the
// timeout only turns a missed change into a failure instead of a hang.
class Changes {
 public:
  void Record() {
    absl::MutexLock lock(&mu_);
    ++count_;
  }
  bool AwaitOne() {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(
        absl::Condition(
            +[](int* count) { return *count > 0; }, &count_),
        absl::Seconds(60));
  }

 private:
  absl::Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST_CASE("rewriting the policy file is noticed", "[policy_watcher]") {
  testing::TempDir dir;
  std::ofstream(dir.Sub("shop.policy")) << "one";
  Changes changes;
  auto watcher = daemon::PolicyWatcher::Start(dir.Sub("shop.policy"),
                                              [&] { changes.Record(); });
  REQUIRE(watcher.ok());
  std::ofstream(dir.Sub("shop.policy")) << "two";
  CHECK(changes.AwaitOne());
}

TEST_CASE("a ConfigMap symlink swap in a watched directory is noticed",
          "[policy_watcher]") {
  testing::TempDir dir;
  fs::path mount = dir.path() / "mount";
  fs::create_directories(mount / "..v1");
  std::ofstream(mount / "..v1" / "shop.policy") << "one";
  fs::create_directory_symlink("..v1", mount / "..data");
  fs::create_symlink("..data/shop.policy", mount / "shop.policy");
  Changes changes;
  auto watcher =
      daemon::PolicyWatcher::Start(mount.string(), [&] { changes.Record(); });
  REQUIRE(watcher.ok());
  fs::create_directories(mount / "..v2");
  std::ofstream(mount / "..v2" / "shop.policy") << "two";
  fs::create_directory_symlink("..v2", mount / "..data_tmp");
  fs::rename(mount / "..data_tmp", mount / "..data");
  CHECK(changes.AwaitOne());
}

TEST_CASE("a watched file ignores its neighbours but not a ConfigMap swap",
          "[policy_watcher]") {
  CHECK(daemon::WatchConcerns("principals.json", "principals.json"));
  CHECK(daemon::WatchConcerns("principals.json", "..data"));  // ConfigMap swap
  CHECK(daemon::WatchConcerns("principals.json", "..data_tmp"));  // its staging
  CHECK_FALSE(
      daemon::WatchConcerns("principals.json", "000004.log"));  // RocksDB
  CHECK_FALSE(daemon::WatchConcerns("principals.json", "MANIFEST-000005"));
  CHECK_FALSE(daemon::WatchConcerns("principals.json", "principals.json.tmp"));
  CHECK(daemon::WatchConcerns("", "anything"));  // a watched directory
}

TEST_CASE("a file beside busy neighbours is re-read for its own changes",
          "[policy_watcher]") {
  testing::TempDir dir;
  std::ofstream(dir.Sub("principals.json")) << "one";
  absl::Mutex mu;
  std::vector<std::string> seen;  // the file's text at each callback
  auto watcher = daemon::PolicyWatcher::Start(dir.Sub("principals.json"), [&] {
    std::ifstream in(dir.Sub("principals.json"));
    std::string text((std::istreambuf_iterator<char>(in)), {});
    absl::MutexLock lock(&mu);
    seen.push_back(text);
  });
  REQUIRE(watcher.ok());
  for (int i = 0; i < 20; ++i) {
    std::ofstream(dir.Sub("LOG")) << i;  // a neighbour's writes
  }
  std::ofstream(dir.Sub("principals.json")) << "two";
  absl::MutexLock lock(&mu);
  REQUIRE(mu.AwaitWithTimeout(absl::Condition(
                                  +[](std::vector<std::string>* s) {
                                    return !s->empty() && s->back() == "two";
                                  },
                                  &seen),
                              absl::Seconds(60)));
  // No callback came for the neighbour alone, before the file changed.
  for (const std::string& text : seen) CHECK(text == "two");
}

TEST_CASE("watching a missing directory fails", "[policy_watcher]") {
  testing::TempDir dir;
  auto watcher =
      daemon::PolicyWatcher::Start(dir.Sub("absent/shop.policy"), [] {});
  CHECK(watcher.status().code() == absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace portcullis::server
