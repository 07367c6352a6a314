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

TEST_CASE("the end of a prefix is just past it", "[keys]") {
  CHECK(PrefixEnd("ab") == "ac");
  CHECK(PrefixEnd(std::string("a\xff", 2)) == "b");
}

}  // namespace
}  // namespace portcullis::ledger::ledger_internal
