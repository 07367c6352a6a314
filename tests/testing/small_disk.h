// A small tmpfs mounted on a per-test directory, for tests that fill a disk
// for real: the ledger's RocksDB then fails the way it does on a full disk
// in production (ENOSPC from its writes and syncs). Needs root, as CI and
// the development machines run; elsewhere mounted() is false and the test
// says it was skipped. Unmounted when destroyed.
#ifndef PORTCULLIS_TESTS_TESTING_SMALL_DISK_H_
#define PORTCULLIS_TESTS_TESTING_SMALL_DISK_H_

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "tests/testing/temp_dir.h"

namespace portcullis::testing {

class SmallDisk {
 public:
  explicit SmallDisk(const std::string& size = "16m") {
    std::filesystem::create_directories(dir_.Sub("disk"));
    mounted_ = ::mount("tmpfs", dir_.Sub("disk").c_str(), "tmpfs", 0,
                       ("size=" + size + ",mode=0700").c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.Sub("disk").c_str(), MNT_DETACH);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  bool mounted() const { return mounted_; }
  // A path on the small disk.
  std::string Sub(const std::string& name) const {
    return dir_.Sub("disk/" + name);
  }

  // Writes a filler file until the disk is full.
  void Fill() {
    int fd = ::open(Sub("filler").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0) return;
    std::string chunk(64 << 10, 'f');
    for (size_t size = chunk.size(); size > 0; size /= 2) {
      while (::write(fd, chunk.data(), size) == static_cast<ssize_t>(size)) {
      }
    }
    ::close(fd);
  }
  // Removes the filler: space returns.
  void Free() { std::filesystem::remove(Sub("filler")); }

 private:
  TempDir dir_;
  bool mounted_ = false;
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_SMALL_DISK_H_
