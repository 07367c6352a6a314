#include "ledger/entry.h"

#include <catch2/catch.hpp>

namespace portcullis::ledger {
namespace {

Entry SampleEntry() {
  Entry e;
  e.sequence = 7;
  e.time = absl::FromUnixNanos(1767528000123456789);
  e.tenant = "al-noor";
  e.kind = "action.evaluated";
  e.request_id = "req-1";
  e.correlation_id = "trace-9";
  e.decision_id = "0123456789abcdef0123456789abcdef";
  e.action_digest = std::string(32, '\x11');
  e.payload_digest = PayloadDigest("payload");
  e.previous_hash = crypto::Blake2b256("previous");
  e.hash = ComputeEntryHash(e);
  return e;
}

TEST_CASE("a stored entry decodes to the same fields", "[entry]") {
  Entry e = SampleEntry();
  auto decoded = DecodeStoredEntry(EncodeStoredEntry(e));
  REQUIRE(decoded.ok());
  CHECK(decoded->sequence == e.sequence);
  CHECK(decoded->time == e.time);
  CHECK(decoded->tenant == e.tenant);
  CHECK(decoded->kind == e.kind);
  CHECK(decoded->request_id == e.request_id);
  CHECK(decoded->correlation_id == e.correlation_id);
  CHECK(decoded->decision_id == e.decision_id);
  CHECK(decoded->action_digest == e.action_digest);
  CHECK(decoded->payload_digest == e.payload_digest);
  CHECK(decoded->previous_hash == e.previous_hash);
  CHECK(decoded->hash == e.hash);
}

TEST_CASE("the entry hash covers every field and the previous hash",
          "[entry]") {
  Entry base = SampleEntry();
  crypto::Digest h = ComputeEntryHash(base);
  auto changed = [&](auto mutate) {
    Entry e = base;
    mutate(e);
    return ComputeEntryHash(e) != h;
  };
  CHECK(changed([](Entry& e) { e.sequence++; }));
  CHECK(changed([](Entry& e) { e.time += absl::Nanoseconds(1); }));
  CHECK(changed([](Entry& e) { e.tenant = "al-noos"; }));
  CHECK(changed([](Entry& e) { e.kind = "action.executed"; }));
  CHECK(changed([](Entry& e) { e.request_id = "req-2"; }));
  CHECK(changed([](Entry& e) { e.correlation_id = ""; }));
  CHECK(changed([](Entry& e) { e.decision_id[0] = '1'; }));
  CHECK(changed([](Entry& e) { e.action_digest[0] = 0; }));
  CHECK(changed([](Entry& e) { e.payload_digest[0] ^= 1; }));
  CHECK(changed([](Entry& e) { e.previous_hash[31] ^= 1; }));
}

TEST_CASE("a stored entry's hash is computed from its bytes as from its fields",
          "[entry]") {
  Entry e = SampleEntry();
  std::string stored = EncodeStoredEntry(e);
  CHECK(StoredEntryHash(stored) == e.hash);
  // Every byte of the canonical part and of the previous hash counts; the
  // stored hash itself does not.
  for (size_t i = 0; i < stored.size(); ++i) {
    std::string flipped = stored;
    flipped[i] ^= 0x20;
    bool in_own_hash = i >= stored.size() - crypto::kDigestSize;
    CHECK((StoredEntryHash(flipped) == e.hash) == in_own_hash);
  }
  // A version 1 entry (no payload frame) hashes the same way.
  Entry v1 = SampleEntry();
  v1.version = kEntryVersion1;
  v1.hash = ComputeEntryHash(v1);
  CHECK(StoredEntryHash(EncodeStoredEntry(v1)) == v1.hash);
}

TEST_CASE("decoding into a used entry leaves nothing of the one before",
          "[entry]") {
  Entry longer = SampleEntry();
  longer.tenant = "a-much-longer-tenant-name";
  longer.request_id = std::string(100, 'r');
  longer.hash = ComputeEntryHash(longer);
  Entry shorter = SampleEntry();
  shorter.request_id = "";
  shorter.correlation_id = "";
  shorter.action_digest = "";
  shorter.hash = ComputeEntryHash(shorter);

  Entry reused;
  reused.payload = "kept";
  REQUIRE(DecodeStoredEntry(EncodeStoredEntry(longer), reused).ok());
  CHECK(reused.request_id == longer.request_id);
  REQUIRE(DecodeStoredEntry(EncodeStoredEntry(shorter), reused).ok());
  CHECK(reused.tenant == shorter.tenant);
  CHECK(reused.request_id.empty());
  CHECK(reused.correlation_id.empty());
  CHECK(reused.action_digest.empty());
  CHECK(reused.hash == shorter.hash);
  CHECK(ComputeEntryHash(reused) == shorter.hash);
  CHECK(reused.payload == "kept");  // not part of the stored entry
}

TEST_CASE("a truncated or padded stored entry is data loss", "[entry]") {
  std::string stored = EncodeStoredEntry(SampleEntry());
  CHECK(
      DecodeStoredEntry(stored.substr(0, stored.size() - 1)).status().code() ==
      absl::StatusCode::kDataLoss);
  CHECK(DecodeStoredEntry(stored + "x").status().code() ==
        absl::StatusCode::kDataLoss);
  std::string wrong_version = stored;
  wrong_version[0] = 9;
  CHECK(DecodeStoredEntry(wrong_version).status().code() ==
        absl::StatusCode::kDataLoss);
}

Entry SampleVersion3Entry() {
  Entry e = SampleEntry();
  e.version = kEntryVersion3;
  e.replica = "agent-7d9f8c-x2k4p";
  e.hash = ComputeEntryHash(e);
  return e;
}

TEST_CASE("a version 3 entry round-trips with its replica", "[entry]") {
  Entry e = SampleVersion3Entry();
  std::string stored = EncodeStoredEntry(e);
  auto decoded = DecodeStoredEntry(stored);
  REQUIRE(decoded.ok());
  CHECK(decoded->version == kEntryVersion3);
  CHECK(decoded->replica == "agent-7d9f8c-x2k4p");
  CHECK(decoded->action_digest == e.action_digest);
  CHECK(decoded->payload_digest == e.payload_digest);
  CHECK(ComputeEntryHash(*decoded) == e.hash);
  CHECK(StoredEntryHash(stored) == e.hash);
}

TEST_CASE("the replica of a version 3 entry is under its hash", "[entry]") {
  Entry e = SampleVersion3Entry();
  Entry renamed = e;
  renamed.replica = "agent-0";
  CHECK(ComputeEntryHash(renamed) != e.hash);
  Entry unnamed = e;
  unnamed.replica = "";
  CHECK(ComputeEntryHash(unnamed) != e.hash);
  // Stored with the hash it had, the renamed entry no longer matches it.
  renamed.hash = e.hash;
  CHECK(StoredEntryHash(EncodeStoredEntry(renamed)) != e.hash);
  // Claiming an older version to drop the replica changes the hash too.
  Entry downgraded = e;
  downgraded.version = kEntryVersion2;
  CHECK(ComputeEntryHash(downgraded) != e.hash);
}

TEST_CASE("version 1 and 2 encodings have no replica and are unchanged",
          "[entry]") {
  for (uint8_t version : {kEntryVersion1, kEntryVersion2}) {
    Entry e = SampleEntry();
    e.version = version;
    const std::string canonical = EncodeCanonicalEntry(e);
    // The layout as it was before version 3: byte, u64, i64, six
    // length-prefixed strings, the 32-byte payload digest.
    size_t expected = 1 + 8 + 8 + 6 * 4 + e.tenant.size() + e.kind.size() +
                      e.request_id.size() + e.correlation_id.size() +
                      e.decision_id.size() + e.action_digest.size() + 32;
    CHECK(canonical.size() == expected);
    e.replica = "ignored";
    CHECK(EncodeCanonicalEntry(e) == canonical);
    e.replica.clear();
    e.hash = ComputeEntryHash(e);
    auto decoded = DecodeStoredEntry(EncodeStoredEntry(e));
    REQUIRE(decoded.ok());
    CHECK(decoded->version == version);
    CHECK(decoded->replica.empty());
    CHECK(ComputeEntryHash(*decoded) == e.hash);
  }
}

TEST_CASE("decoding a version 2 entry into a version 3 one clears its replica",
          "[entry]") {
  Entry reused;
  REQUIRE(
      DecodeStoredEntry(EncodeStoredEntry(SampleVersion3Entry()), reused).ok());
  REQUIRE(reused.replica == "agent-7d9f8c-x2k4p");
  REQUIRE(DecodeStoredEntry(EncodeStoredEntry(SampleEntry()), reused).ok());
  CHECK(reused.replica.empty());
  CHECK(reused.version == kEntryVersion2);
}

}  // namespace
}  // namespace portcullis::ledger
