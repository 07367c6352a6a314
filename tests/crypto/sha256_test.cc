#include "crypto/sha256.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

namespace portcullis::crypto {
namespace {

// FIPS 180-2 known answers.
TEST_CASE("SHA-256 matches the FIPS 180-2 vectors", "[sha256]") {
  CHECK(ToHex(Sha256("")) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(ToHex(Sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(ToHex(Sha256(
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(ToHex(Sha256(std::string(1000000, 'a'))) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("SHA-256 gives the same digests on every thread", "[sha256]") {
  // One reused context per thread: a digest on one thread must not leak
  // state into another's.
  const Digest expected = Sha256("abc");
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (Sha256("abc") != expected) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(wrong.load() == 0);
}

TEST_CASE("incremental SHA-256 equals one-shot SHA-256", "[sha256]") {
  Sha256Hasher h;
  h.Update("a");
  h.Update("");
  h.Update("bc");
  CHECK(h.Finish() == Sha256("abc"));

  // Across block boundaries (64 bytes) and in uneven pieces.
  const std::string long_input(1000, 'q');
  Sha256Hasher pieces;
  for (size_t at = 0; at < long_input.size(); at += 37) {
    pieces.Update(absl::string_view(long_input).substr(at, 37));
  }
  CHECK(pieces.Finish() == Sha256(long_input));
}

}  // namespace
}  // namespace portcullis::crypto
