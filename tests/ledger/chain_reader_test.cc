#include "ledger/internal/chain_reader.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "ledger/internal/keys.h"
#include "ledger/verifier.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/testing/forwarding_store.h"

namespace portcullis::ledger::ledger_internal {
namespace {

// A ledger with `n` entries in tenant "t", payloads "p1".."pn", closed.
void BuildChain(const std::string& dir, int n) {
  auto ledger = Ledger::Open(OpenStore(dir));
  REQUIRE(ledger.ok());
  for (int done = 0; done < n;) {
    std::vector<EntryDraft> drafts;
    for (; drafts.size() < 1000 && done < n; ++done) {
      drafts.push_back(Draft("t", "p" + std::to_string(done + 1)));
    }
    REQUIRE((*ledger)->Append(std::move(drafts)).ok());
  }
}

// Reads every chunk; returns each chunk's size, and checks that entries
// and payloads come in sequence order without a gap.
std::vector<size_t> ReadAll(const KeyValueStore& store, bool read_ahead) {
  ChainReader reader(store, "t", read_ahead);
  std::vector<size_t> sizes;
  uint64_t expected = 1;
  for (;;) {
    auto chunk = reader.Next();
    REQUIRE(chunk.ok());
    if (*chunk == nullptr) break;
    const ChainChunk& c = **chunk;
    CHECK_FALSE(c.malformed_key);
    REQUIRE(c.payloads.size() == c.entries.size());
    for (size_t i = 0; i < c.entries.size(); ++i, ++expected) {
      REQUIRE(c.entries.sequence(i) == expected);
      REQUIRE(c.payloads.sequence(i) == expected);
      REQUIRE(DecodeStoredEntry(c.entries.value(i)).ok());
    }
    sizes.push_back(c.entries.size());
  }
  return sizes;
}

TEST_CASE("a chain is read in chunks, with or without reading ahead",
          "[chain_reader]") {
  testing::TempDir dir;
  BuildChain(dir.Sub("db"), 9000);
  auto store = OpenStore(dir.Sub("db"));
  const std::vector<size_t> expected = {4096, 4096, 808};
  CHECK(ReadAll(*store, false) == expected);
  CHECK(ReadAll(*store, true) == expected);
}

TEST_CASE("a reader stopped early stops reading ahead", "[chain_reader]") {
  testing::TempDir dir;
  BuildChain(dir.Sub("db"), 9000);
  auto store = OpenStore(dir.Sub("db"));
  ChainReader reader(*store, "t", true);
  auto first = reader.Next();
  REQUIRE(first.ok());
  REQUIRE(*first != nullptr);
  CHECK((*first)->entries.sequence(0) == 1);
  // Destroyed here with chunks unread: joins its thread, reads no more.
}

// Fails every Scan after the first `ok_scans`.
class FailingScans final : public testing::ForwardingStore {
 public:
  FailingScans(KeyValueStore& inner, int ok_scans)
      : ForwardingStore(inner), left_(ok_scans) {}
  absl::Status Scan(
      absl::string_view begin, absl::string_view end, bool reverse,
      absl::FunctionRef<bool(absl::string_view, absl::string_view)> visit)
      const override {
    if (left_.fetch_sub(1) <= 0) {
      return absl::UnavailableError("injected read failure");
    }
    return ForwardingStore::Scan(begin, end, reverse, visit);
  }

 private:
  mutable std::atomic<int> left_;
};

TEST_CASE("a read that fails ahead of the walk is an error, not an end",
          "[chain_reader]") {
  testing::TempDir dir;
  BuildChain(dir.Sub("db"), 9000);
  auto real = OpenStore(dir.Sub("db"));
  for (bool read_ahead : {false, true}) {
    INFO("read ahead: " << read_ahead);
    // The first chunk's entries and payloads read, the second's fail.
    FailingScans store(*real, 2);
    ChainReader reader(store, "t", read_ahead);
    auto first = reader.Next();
    REQUIRE(first.ok());
    REQUIRE(*first != nullptr);
    auto second = reader.Next();
    CHECK(second.status().code() == absl::StatusCode::kUnavailable);
  }
  // And the verifier reports it as an error rather than a short chain.
  // Its checkpoints and the first chunk read, the second chunk fails.
  FailingScans store(*real, 3);
  VerifyOptions options;
  options.tenant = "t";
  auto report = VerifyLedger(store, options);
  CHECK(report.status().code() == absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace portcullis::ledger::ledger_internal
