#include "ledger/internal/keys.h"

#include <catch2/catch.hpp>
#include <string>

namespace portcullis::ledger::ledger_internal {
namespace {

TEST_CASE("no tenant's key range contains another tenant's keys", "[keys]") {
  std::string a_begin = EntryKey("a", 0);
  std::string a_end = PrefixEnd(TenantPrefix(kEntryTag, "a"));
  for (const char* other : {"ab", "a-", "b", "aa", "a0"}) {
    INFO(other);
    for (uint64_t seq : {uint64_t{0}, uint64_t{1}, ~uint64_t{0}}) {
      std::string key = EntryKey(other, seq);
      CHECK_FALSE((key >= a_begin && key < a_end));
    }
  }
  CHECK((EntryKey("a", ~uint64_t{0}) < a_end));
}

TEST_CASE("sequence numbers sort numerically in keys", "[keys]") {
  CHECK(EntryKey("t", 9) < EntryKey("t", 10));
  CHECK(EntryKey("t", 255) < EntryKey("t", 256));
  CHECK(EntryKey("t", 1) < EntryKey("t", uint64_t{1} << 40));
}

TEST_CASE("keys parse back into tenant and sequence", "[keys]") {
  auto parsed = ParseKey(EntryKey("al-noor", 42));
  REQUIRE(parsed.ok());
  CHECK(parsed->tenant == "al-noor");
  CHECK(parsed->sequence == 42);
  auto head = ParseKey(HeadKey("al-noor"));
  REQUIRE(head.ok());
  CHECK(head->tenant == "al-noor");
  CHECK_FALSE(ParseKey("E").ok());
  CHECK_FALSE(ParseKey(std::string("E\x05"
                                   "ab",
                                   4))
                  .ok());
  CHECK_FALSE(ParseKey(HeadKey("t") + "x").ok());
  CHECK_FALSE(ParseKey(std::string("X\x01t", 3)).ok());
}

TEST_CASE("an insertion run is one tenant's keys of one tag (and tree level)",
          "[keys]") {
  auto run = [](const std::string& key) {
    return key.substr(0, InsertionRunLength(key));
  };
  // Successive entries of a tenant: one run.
  CHECK(run(EntryKey("al-noor", 1)) == TenantPrefix(kEntryTag, "al-noor"));
  CHECK(run(EntryKey("al-noor", 1)) == run(EntryKey("al-noor", 1000)));
  // Other tenants and other tags are other runs.
  CHECK(run(EntryKey("al-noor", 1)) != run(EntryKey("al-noo", 1)));
  CHECK(run(EntryKey("al-noor", 1)) != run(CheckpointKey("al-noor", 1)));
  // Tree nodes run per level: indexes ascend within a level only.
  CHECK(run(MerkleNodeKey("t", 1, 0)) == run(MerkleNodeKey("t", 1, 9)));
  CHECK(run(MerkleNodeKey("t", 1, 9)) != run(MerkleNodeKey("t", 2, 0)));
  CHECK(InsertionRunLength(MerkleNodeKey("t", 1, 0)) ==
        TenantPrefix(kMerkleTag, "t").size() + 1);
  // Range deletions begin at keys outside every run: a bare tenant prefix
  // (a tenant's deletion), any payload key (retention). Nor has a key too
  // short for its own length byte a run.
  CHECK(InsertionRunLength(PayloadKey("t", 7)) == 0);
  CHECK(InsertionRunLength(TenantPrefix(kEntryTag, "t")) == 0);
  CHECK(InsertionRunLength(TenantPrefix(kPayloadTag, "t")) == 0);
  CHECK(InsertionRunLength(TenantPrefix(kMerkleTag, "t")) == 0);
  CHECK(InsertionRunLength(TenantPrefix(kMerkleTag, "t") + '\x01') == 0);
  CHECK(InsertionRunLength(HeadKey("t")) == 0);
  CHECK(InsertionRunLength("") == 0);
  CHECK(InsertionRunLength("E") == 0);
  CHECK(InsertionRunLength(std::string("E\x05"
                                       "abc")) == 0);
  CHECK(InsertionRunLength(std::string("M\x01"
                                       "t")) == 0);
}

TEST_CASE("the end of a prefix is just past it", "[keys]") {
  CHECK(PrefixEnd("ab") == "ac");
  CHECK(PrefixEnd(std::string("a\xff", 2)) == "b");
}

}  // namespace
}  // namespace portcullis::ledger::ledger_internal
