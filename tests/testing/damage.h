// Damage made on purpose, the way a disk or an operator's mistake makes it:
// a byte flipped in a file, for tests that check damaged storage is refused
// and named, never silently cut short.
#ifndef PORTCULLIS_TESTS_TESTING_DAMAGE_H_
#define PORTCULLIS_TESTS_TESTING_DAMAGE_H_

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

namespace portcullis::testing {

// Flips some bits of the byte at `at` in `file`.
inline void FlipByte(const std::filesystem::path& file, std::streamoff at) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f.good());
  f.seekg(at);
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(at);
  f.write(&c, 1);
  REQUIRE(f.good());
}

// The largest write-ahead log (*.log) of the RocksDB database in `db`.
inline std::filesystem::path LargestWal(const std::filesystem::path& db) {
  std::filesystem::path wal;
  for (const auto& file : std::filesystem::directory_iterator(db)) {
    if (file.path().extension() == ".log" &&
        (wal.empty() || file.file_size() > std::filesystem::file_size(wal))) {
      wal = file.path();
    }
  }
  REQUIRE(!wal.empty());
  return wal;
}

// Flips a byte in the middle of `db`'s largest write-ahead log; returns it.
inline std::filesystem::path DamageWalMiddle(const std::filesystem::path& db) {
  std::filesystem::path wal = LargestWal(db);
  FlipByte(wal,
           static_cast<std::streamoff>(std::filesystem::file_size(wal) / 2));
  return wal;
}

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_DAMAGE_H_
