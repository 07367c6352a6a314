// Crash consistency: a child appends through the real Ledger and is
// SIGKILLed at seeded random points, over and over. After every kill the
// ledger must open with no tenant refused, verify (chains, checkpoints and
// their signatures), and hold every entry that was acknowledged, with the
// hash that was acknowledged.
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <utility>

#include "crypto/ed25519.h"
#include "ledger/entry.h"
#include "ledger/internal/keys.h"
#include "ledger/ledger.h"
#include "ledger/rocksdb_store.h"
#include "ledger/verifier.h"
#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::ledger {
namespace {

constexpr char kWriter[] = PORTCULLIS_BINARY_DIR "/tests/ledger/crash_writer";
constexpr int kRounds = 10;

using Acks = std::map<std::pair<std::string, uint64_t>, std::string>;

// Every complete "ack tenant sequence hash" line of a child's output.
void CollectAcks(const std::string& log, Acks& acks) {
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    if (lines.eof()) break;  // the last piece has no newline: cut off
    std::istringstream words(line);
    std::string ack, tenant, hash;
    uint64_t sequence = 0;
    if (words >> ack >> tenant >> sequence >> hash && ack == "ack" &&
        hash.size() == 64) {
      acks[{tenant, sequence}] = hash;
    }
  }
}

TEST_CASE("acknowledged entries survive SIGKILL at random points", "[crash]") {
  testing::TempDir dir;
  crypto::SigningKey key =
      *crypto::SigningKey::FromSeed(std::string(32, '\x05'));
  std::mt19937 random(20261121);  // seeded: the same kills every run
  Acks acks;
  for (int round = 0; round < kRounds; ++round) {
    INFO("round " << round);
    testing::ChildProcess child({kWriter, dir.Sub("data")});
    REQUIRE(child.started());
    REQUIRE_FALSE(child.AwaitLine("ready").empty());
    int kill_after = std::uniform_int_distribution<int>(1, 120)(random);
    for (int i = 0; i < kill_after; ++i) {
      REQUIRE_FALSE(child.AwaitLine("ack ").empty());
    }
    child.Signal(SIGKILL);
    CHECK(child.Wait() == 128 + SIGKILL);
    CHECK(child.log().find("append failed") == std::string::npos);
    CollectAcks(child.log(), acks);

    auto store = RocksDbStore::Open(dir.Sub("data"), {});
    REQUIRE(store.ok());
    VerifyOptions options;
    options.key = &key.verifying_key();
    auto report = VerifyLedger(**store, options);
    REQUIRE(report.ok());
    for (const ChainBreak& b : report->breaks) {
      FAIL_CHECK(b.tenant << " " << b.sequence << ": " << b.reason);
    }
    CHECK(report->checkpoints > 0);
    for (const auto& [where, hash] : acks) {
      auto stored =
          (*store)->Get(ledger_internal::EntryKey(where.first, where.second));
      REQUIRE(stored.ok());
      REQUIRE(stored->has_value());
      auto entry = DecodeStoredEntry(**stored);
      REQUIRE(entry.ok());
      CHECK(crypto::ToHex(entry->hash) == hash);
    }
  }
  CHECK(acks.size() >= kRounds);
}

}  // namespace
}  // namespace portcullis::ledger
