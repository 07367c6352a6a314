// The ledger's evidence features: signed checkpoints, startup integrity,
// payload sealing, retention and tenant deletion.
#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "base/canonical_encoding.h"
#include "crypto/key_file.h"
#include "ledger/checkpoint.h"
#include "ledger/evidence.h"
#include "ledger/internal/keys.h"
#include "ledger/ledger.h"
#include "ledger/ledger_maintenance.h"
#include "ledger/merkle.h"
#include "ledger/verifier.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/faulty_store.h"

namespace portcullis::ledger {
namespace {

using ledger_internal::CheckpointKey;
using ledger_internal::EntryKey;
using ledger_internal::HeadKey;
using ledger_internal::PayloadKey;

struct Gate {
  crypto::SigningKey key =
      *crypto::SigningKey::FromSeed(std::string(32, '\x01'));
  testing::FakeClock clock;
  std::shared_ptr<std::vector<crypto::MasterKey>> masters =
      std::make_shared<std::vector<crypto::MasterKey>>();

  Gate() {
    auto master = crypto::SecureBytes::CopyOf(std::string(32, 'm'));
    std::string id = crypto::MasterKeyId(master);
    masters->push_back({id, std::move(master)});
  }

  LedgerOptions Options(uint64_t every = 3) {
    LedgerOptions o;
    o.checkpoints.key = &key;
    o.checkpoints.every_entries = every;
    o.checkpoints.every_interval = absl::Seconds(10);
    o.clock = &clock;
    o.master_keys = masters;
    return o;
  }

  std::unique_ptr<Ledger> Open(const std::string& dir, uint64_t every = 3) {
    auto ledger = Ledger::Open(OpenStore(dir), Options(every));
    REQUIRE(ledger.ok());
    return std::move(*ledger);
  }
};

std::vector<uint64_t> CheckpointSizes(const KeyValueStore& store,
                                      const std::string& tenant) {
  std::vector<uint64_t> sizes;
  auto notes = CheckpointNotes(store, tenant);
  REQUIRE(notes.ok());
  for (const std::string& note : *notes) {
    sizes.push_back(ParseCheckpoint(note)->checkpoint.size);
  }
  return sizes;
}

// Puts `forged`'s history of `tenant` (entries, payloads, head, tree, key
// versions) in place of `store`'s, leaving its checkpoints.
void ReplaceHistory(KeyValueStore& store, const KeyValueStore& forged,
                    const std::string& tenant) {
  WriteBatch batch;
  for (char tag : {'E', 'P', 'H', 'M', 'K'}) {
    std::string prefix = ledger_internal::TenantPrefix(tag, tenant);
    batch.DeleteRange(prefix, ledger_internal::PrefixEnd(prefix));
    REQUIRE(forged
                .Scan(prefix, ledger_internal::PrefixEnd(prefix), false,
                      [&](absl::string_view k, absl::string_view v) {
                        batch.Put(std::string(k), std::string(v));
                        return true;
                      })
                .ok());
  }
  REQUIRE(store.Write(batch, true).ok());
}

VerifyReport Verify(const KeyValueStore& store, const crypto::SigningKey& key) {
  VerifyOptions options;
  options.key = &key.verifying_key();
  auto report = VerifyLedger(store, options);
  REQUIRE(report.ok());
  return *report;
}

TEST_CASE("a checkpoint is signed every N entries with the entries",
          "[evidence]") {
  testing::TempDir dir;
  Gate gate;
  auto ledger = gate.Open(dir.Sub("db"));
  AppendN(*ledger, "t", 7);
  CHECK(CheckpointSizes(ledger->store(), "t") == std::vector<uint64_t>{3, 6});
  auto notes = *CheckpointNotes(ledger->store(), "t");
  auto latest = ParseCheckpoint(notes.back());
  REQUIRE(latest.ok());
  CHECK(VerifyCheckpointSignature(*latest, gate.key.verifying_key()));
  CHECK(latest->checkpoint.time == gate.clock.Now());
  CHECK(latest->checkpoint.root == *TreeRoot(ledger->store(), "t", 6));
  VerifyReport report = Verify(ledger->store(), gate.key);
  CHECK(report.clean());
  CHECK(report.checkpoints == 2);
  CHECK(report.signatures_checked);
}

// Records, at each OnCheckpointed, the head the ledger shows for the
// tenant: a listener that acts on the checkpoint (the gate's snapshotter
// writes a snapshot through `size`) must find the chain there already.
class HeadAtCheckpoint : public CheckpointListener {
 public:
  explicit HeadAtCheckpoint(const Ledger& ledger) : ledger_(ledger) {}
  void OnCheckpointed(const std::string& tenant, uint64_t size) override {
    std::optional<ChainHead> head = ledger_.Head(tenant);
    absl::MutexLock lock(&mu_);
    seen_.emplace_back(size, head ? head->sequence : 0);
  }
  std::vector<std::pair<uint64_t, uint64_t>> seen() const {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

 private:
  const Ledger& ledger_;
  mutable absl::Mutex mu_;
  std::vector<std::pair<uint64_t, uint64_t>> seen_ ABSL_GUARDED_BY(mu_);
};

TEST_CASE("the checkpoint listener is told once the chain shows the entries",
          "[evidence]") {
  testing::TempDir dir;
  Gate gate;
  auto ledger = gate.Open(dir.Sub("db"));
  HeadAtCheckpoint listener(*ledger);
  ledger->SetCheckpointListener(&listener);
  AppendN(*ledger, "t", 4);  // blocking appends: checkpoint at 3
  absl::Notification answered;
  ledger->AppendAsync({Draft("t", "5"), Draft("t", "6")},
                      [&](absl::StatusOr<std::vector<Appended>> r) {
                        CHECK(r.ok());
                        answered.Notify();
                      });
  answered.WaitForNotification();  // told before its writers are answered
  ledger->SetCheckpointListener(nullptr);
  using Seen = std::vector<std::pair<uint64_t, uint64_t>>;
  CHECK(listener.seen() == Seen{{3, 3}, {6, 6}});
}

TEST_CASE("tree nodes are stored from level 3, lower ones hashed from entries",
          "[evidence]") {
  testing::TempDir dir;
  Gate gate;
  auto ledger = gate.Open(dir.Sub("db"), /*every=*/1000);
  AppendN(*ledger, "t", 37);
  std::vector<crypto::Digest> leaves;
  REQUIRE(ledger
              ->Read("t", 1, false,
                     [&](const Entry& e) {
                       leaves.push_back(MerkleLeafHash(e.hash));
                       return true;
                     })
              .ok());
  REQUIRE(leaves.size() == 37);

  // Levels 3, 4 and 5 are complete 4, 2 and 1 times over 37 leaves.
  std::string prefix =
      ledger_internal::TenantPrefix(ledger_internal::kMerkleTag, "t");
  std::vector<int> levels;
  REQUIRE(ledger->store()
              .Scan(prefix, ledger_internal::PrefixEnd(prefix), false,
                    [&](absl::string_view key, absl::string_view) {
                      levels.push_back(key[prefix.size()]);
                      return true;
                    })
              .ok());
  CHECK(levels == std::vector<int>{3, 3, 3, 3, 4, 4, 5});

  // Every root, inclusion proof and consistency proof still checks out.
  std::vector<crypto::Digest> roots = {MerkleEmptyRoot()};
  MerkleFrontier tree;
  for (const crypto::Digest& leaf : leaves) {
    tree.Append(leaf, [](int, uint64_t, const crypto::Digest&) {});
    roots.push_back(tree.Root());
  }
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    auto root = TreeRoot(ledger->store(), "t", n);
    REQUIRE(root.ok());
    CHECK(*root == roots[n]);
    for (uint64_t i = 0; i < n; ++i) {
      auto proof = InclusionProof(ledger->store(), "t", i + 1, n);
      REQUIRE(proof.ok());
      CHECK(VerifyMerkleInclusion(i, n, leaves[i], *proof, roots[n]));
    }
    for (uint64_t m = 1; m < n; ++m) {
      auto proof = ConsistencyProof(ledger->store(), "t", m, n);
      REQUIRE(proof.ok());
      CHECK(VerifyMerkleConsistency(m, n, roots[m], roots[n], *proof));
    }
  }

  // A node hashed from entries fails, naming them, when one is damaged.
  ledger.reset();
  auto store = OpenStore(dir.Sub("db"));
  WriteBatch damage;
  damage.Put(EntryKey("t", 5), "not an entry");
  REQUIRE(store->Write(damage, true).ok());
  auto proof = InclusionProof(*store, "t", 8, 37);
  CHECK(proof.status().code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(
      std::string(proof.status().message()),
      Catch::Contains("entries 5-6 of tenant t are missing or out of place"));
}

TEST_CASE("SignCheckpoints signs tenants whose checkpoint is older than T",
          "[evidence]") {
  testing::TempDir dir;
  Gate gate;
  auto ledger = gate.Open(dir.Sub("db"), /*every=*/100);
  AppendN(*ledger, "t", 2);
  // No checkpoint yet: the first is due at once.
  CHECK(*ledger->SignCheckpoints(false) == 1);
  AppendN(*ledger, "t", 1);
  CHECK(*ledger->SignCheckpoints(false) == 0);
  gate.clock.Advance(absl::Seconds(9));
  CHECK(*ledger->SignCheckpoints(false) == 0);
  gate.clock.Advance(absl::Seconds(1));
  CHECK(*ledger->SignCheckpoints(false) == 1);
  // Nothing new: nothing to sign, however late.
  gate.clock.Advance(absl::Hours(1));
  CHECK(*ledger->SignCheckpoints(false) == 0);
  AppendN(*ledger, "t", 1);
  CHECK(*ledger->SignCheckpoints(true) == 1);
  CHECK(CheckpointSizes(ledger->store(), "t") ==
        std::vector<uint64_t>{2, 3, 4});
  CHECK(Verify(ledger->store(), gate.key).clean());
}

TEST_CASE("a timer round with nothing due writes nothing", "[evidence]") {
  testing::TempDir dir;
  Gate gate;
  auto real = OpenStore(dir.Sub("db"));
  RocksDbStore& real_ref = *real;
  auto counting = std::make_unique<testing::FaultyStore>(real_ref);
  testing::FaultyStore& writes = *counting;
  auto ledger = Ledger::Open(std::move(counting), gate.Options(100));
  REQUIRE(ledger.ok());
  AppendN(**ledger, "t", 2);
  REQUIRE(*(*ledger)->SignCheckpoints(false) == 1);
  int before = writes.writes();
  CHECK(*(*ledger)->SignCheckpoints(false) == 0);
  CHECK(writes.writes() == before);
}

TEST_CASE("without a key no checkpoints are signed", "[evidence]") {
  testing::TempDir dir;
  auto ledger = Ledger::Open(OpenStore(dir.Sub("db")));
  REQUIRE(ledger.ok());
  AppendN(**ledger, "t", 5);
  CHECK((*ledger)->SignCheckpoints(true).status().code() ==
        absl::StatusCode::kFailedPrecondition);
  LedgerOptions no_clock;
  crypto::SigningKey key = crypto::SigningKey::Generate();
  no_clock.checkpoints.key = &key;
  testing::TempDir other;
  CHECK(Ledger::Open(OpenStore(other.Sub("db")), no_clock).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

// Rolls tenant "t" back to `size` entries, as restoring an old copy of its
// entries would, leaving the checkpoints in place.
void RollBack(const std::string& dir, uint64_t size, uint64_t head) {
  auto store = OpenStore(dir);
  WriteBatch batch;
  for (uint64_t s = size + 1; s <= head; ++s) {
    batch.Delete(EntryKey("t", s));
    batch.Delete(PayloadKey("t", s));
  }
  auto entry = DecodeStoredEntry(**store->Get(EntryKey("t", size)));
  REQUIRE(entry.ok());
  CanonicalWriter w;  // a version 1 head: the tree is rebuilt at open
  w.U64(size);
  w.Fixed(crypto::AsBytes(entry->hash));
  batch.Put(HeadKey("t"), w.Release());
  REQUIRE(store->Write(batch, true).ok());
}

TEST_CASE("a tenant rolled back behind its checkpoint is refused at open",
          "[evidence]") {
  testing::TempDir dir;
  Gate gate;
  {
    auto ledger = gate.Open(dir.Sub("db"));
    AppendN(*ledger, "t", 6);
    AppendN(*ledger, "u", 2);
  }
  RollBack(dir.Sub("db"), 4, 6);
  auto ledger = gate.Open(dir.Sub("db"));
  auto refusals = ledger->Refusals();
  REQUIRE(refusals.size() == 1);
  CHECK(refusals[0].tenant == "t");
  INFO(refusals[0].reason);
  CHECK(refusals[0].reason.find("chain ends at 4") != std::string::npos);
  CHECK(refusals[0].reason.find("checkpoint of 6") != std::string::npos);
  CHECK(refusals[0].reason.find("rolled back") != std::string::npos);
  auto refused = ledger->Append({Draft("t", "after")});
  CHECK(refused.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ledger->Head("t")->sequence == 4);
  CHECK(ledger->Append({Draft("u", "fine")}).ok());
  CHECK(ledger->Prune("t", gate.clock.Now()).status().code() ==
        absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("a chain rewritten under its checkpoint is refused at open",
          "[evidence]") {
  testing::TempDir dir;
  Gate gate;
  {
    auto ledger = gate.Open(dir.Sub("db"));
    AppendN(*ledger, "t", 3);
  }
  {
    // Build another history of three entries elsewhere and put it in place
    // of the real one, head, tree and all.
    {
      auto forged = Ledger::Open(OpenStore(dir.Sub("forged")));
      REQUIRE(forged.ok());
      for (int i = 0; i < 3; ++i) {
        REQUIRE((*forged)->Append({Draft("t", "forged")}).ok());
      }
    }
    ReplaceHistory(*OpenStore(dir.Sub("db")), *OpenStore(dir.Sub("forged")),
                   "t");
  }
  auto ledger = gate.Open(dir.Sub("db"));
  REQUIRE(ledger->Refusals().size() == 1);
  CHECK(ledger->Refusals()[0].reason.find("rewritten") != std::string::npos);
}

TEST_CASE("checkpoints inside and at the end of a range are checked",
          "[evidence][verifier]") {
  // With helper threads a lone tenant is read by ranges of 1,024 sequences
  // whose Merkle subtrees are hashed beside the reads; the walk takes the
  // tree from them, up to each checkpoint and to each range's end.
  // Checkpoints inside a range and at its end must be checked by every
  // thread count against the same tree, and a rewritten history caught at
  // the first one it contradicts.
  testing::TempDir dir;
  Gate gate;
  // In appends of 64 entries (fewer syncs), so that checkpoints fall on
  // multiples of 512 still.
  auto append = [](Ledger& ledger, const std::string& payload) {
    for (int done = 0; done < 4500; done += 64) {
      std::vector<EntryDraft> drafts;
      for (int i = done; i < std::min(done + 64, 4500); ++i) {
        drafts.push_back(Draft("t", absl::StrCat(payload, i)));
      }
      REQUIRE(ledger.Append(std::move(drafts)).ok());
    }
  };
  {
    auto ledger = gate.Open(dir.Sub("db"), /*every=*/512);
    append(*ledger, "t-");
  }
  auto store = OpenStore(dir.Sub("db"));
  REQUIRE(CheckpointSizes(*store, "t").size() == 8);
  auto verify = [&](int threads) {
    VerifyOptions options;
    options.key = &gate.key.verifying_key();
    options.threads = threads;
    auto report = VerifyLedger(*store, options);
    REQUIRE(report.ok());
    return *report;
  };
  auto expect_clean = [&](uint64_t checkpoints) {
    for (int threads : {1, 2, 3, 8}) {
      INFO(threads << " threads");
      VerifyReport report = verify(threads);
      CHECK(report.clean());
      CHECK(report.entries == 4500);
      CHECK(report.checkpoints == checkpoints);
    }
  };
  auto drop_checkpoints = [&](std::vector<uint64_t> sizes) {
    WriteBatch drop;
    for (uint64_t size : sizes) {
      drop.Delete(ledger_internal::CheckpointKey("t", size));
    }
    REQUIRE(store->Write(drop, true).ok());
  };
  expect_clean(8);
  {
    // The checkpoint at the end of the second range forged (signed with
    // the gate's key): the one inside it (1536) matches, then this one
    // does not. Reported at 2048, counted as one thread counts.
    const std::string key = ledger_internal::CheckpointKey("t", 2048);
    const std::string note = **store->Get(key);
    auto parsed = ParseCheckpoint(note);
    REQUIRE(parsed.ok());
    Checkpoint forged = parsed->checkpoint;
    forged.root[0] ^= 0x01;
    WriteBatch forge;
    forge.Put(key, SignCheckpoint(forged, gate.key));
    REQUIRE(store->Write(forge, true).ok());
    for (int threads : {1, 2, 3, 8}) {
      INFO(threads << " threads");
      VerifyReport report = verify(threads);
      REQUIRE(report.breaks.size() == 1);
      CHECK(report.breaks[0].sequence == 2048);
      INFO(report.breaks[0].reason);
      CHECK(report.breaks[0].reason.find("rewritten") != std::string::npos);
      CHECK(report.entries == 2048);
      CHECK(report.checkpoints == 3);
    }
    WriteBatch restore;
    restore.Put(key, note);
    REQUIRE(store->Write(restore, true).ok());
    expect_clean(8);
  }
  // Only 1536 (inside the second range), 3072 and 4096 (ends of ranges)
  // left: whole ranges without a checkpoint between them.
  drop_checkpoints({512, 1024, 2048, 2560, 3584});
  expect_clean(3);

  // Another history of as many entries in place of this one, head, tree
  // and all, under the signed checkpoints.
  {
    auto forged = Ledger::Open(OpenStore(dir.Sub("forged")));
    REQUIRE(forged.ok());
    append(**forged, "forged-");
  }
  ReplaceHistory(*store, *OpenStore(dir.Sub("forged")), "t");
  auto expect_rewritten_at = [&](uint64_t size) {
    for (int threads : {1, 2, 3, 8}) {
      INFO(threads << " threads");
      VerifyReport report = verify(threads);
      REQUIRE(report.breaks.size() == 1);
      CHECK(report.breaks[0].sequence == size);
      INFO(report.breaks[0].reason);
      CHECK(report.breaks[0].reason.find("rewritten") != std::string::npos);
      // Counted up to the checkpoint, as one thread counts (none is left
      // before it).
      CHECK(report.entries == size);
      CHECK(report.checkpoints == 0);
    }
  };
  expect_rewritten_at(1536);  // inside a range, after a whole one
  drop_checkpoints({1536});
  expect_rewritten_at(3072);  // at the end of a whole range
}

TEST_CASE("a checkpoint with a bad signature refuses its tenant",
          "[evidence]") {
  testing::TempDir dir;
  Gate gate;
  {
    auto ledger = gate.Open(dir.Sub("db"));
    AppendN(*ledger, "t", 3);
  }
  {
    auto store = OpenStore(dir.Sub("db"));
    std::string note = **store->Get(CheckpointKey("t", 3));
    note.replace(note.find("time 2026"), 9, "time 2027");
    WriteBatch batch;
    batch.Put(CheckpointKey("t", 3), note);
    REQUIRE(store->Write(batch, true).ok());
  }
  auto ledger = gate.Open(dir.Sub("db"));
  REQUIRE(ledger->Refusals().size() == 1);
  CHECK(ledger->Refusals()[0].reason.find("signature") != std::string::npos);
}

TEST_CASE("the first bad checkpoint is reported whichever thread checked it",
          "[evidence][verifier]") {
  // Signatures are checked side by side, eight checkpoints per task: two
  // forged ones in different tasks and an unparsable one after them must
  // be reported in size order by every thread count.
  testing::TempDir dir;
  Gate gate;
  {
    auto ledger = gate.Open(dir.Sub("db"));
    AppendN(*ledger, "t", 75);  // checkpoints of 3, 6, ..., 75
  }
  auto store = OpenStore(dir.Sub("db"));
  auto put = [&](uint64_t size, const std::string& note) {
    WriteBatch batch;
    batch.Put(CheckpointKey("t", size), note);
    REQUIRE(store->Write(batch, true).ok());
  };
  auto forge = [&](uint64_t size) {
    std::string note = **store->Get(CheckpointKey("t", size));
    put(size, note.replace(note.find("time 2026"), 9, "time 2027"));
  };
  auto expect_first = [&](uint64_t size, const std::string& words) {
    for (int threads : {1, 2, 3, 8}) {
      INFO(threads << " threads");
      VerifyOptions options;
      options.key = &gate.key.verifying_key();
      options.threads = threads;
      auto report = VerifyLedger(*store, options);
      REQUIRE(report.ok());
      REQUIRE(report->breaks.size() == 1);
      CHECK(report->breaks[0].sequence == size);
      INFO(report->breaks[0].reason);
      CHECK(report->breaks[0].reason.find(words) != std::string::npos);
    }
  };
  const std::string at_12 = **store->Get(CheckpointKey("t", 12));
  const std::string at_45 = **store->Get(CheckpointKey("t", 45));
  forge(45);
  forge(12);
  put(60, "not a checkpoint");
  expect_first(12, "does not verify with the gate's key");
  put(12, at_12);
  expect_first(45, "does not verify with the gate's key");
  put(45, at_45);
  expect_first(60, "does not parse");
}

TEST_CASE("payloads are sealed at rest and read back as plaintext",
          "[evidence]") {
  testing::TempDir dir;
  Gate gate;
  auto ledger = gate.Open(dir.Sub("db"));
  auto appended = ledger->Append({Draft("t", "customer-42-wants-a-refund")});
  INFO(appended.status().ToString());
  REQUIRE(appended.ok());
  auto stored = ledger->store().Get(PayloadKey("t", 1));
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  CHECK((**stored)[0] == '\x01');
  CHECK((*stored)->find("refund") == std::string::npos);
  auto entry = DecodeStoredEntry(**ledger->store().Get(EntryKey("t", 1)));
  CHECK(entry->payload_digest == PayloadDigest(**stored));
  std::optional<std::string> read;
  REQUIRE(ledger
              ->Read("t", 1, false,
                     [&](const Entry& e) {
                       read = e.payload;
                       return true;
                     })
              .ok());
  CHECK(read == std::optional<std::string>("customer-42-wants-a-refund"));
  REQUIRE(ledger
              ->RotatePayloadKey("t",
                                 [&](uint32_t v) {
                                   return KeyRotationRecord(
                                       "t", v, gate.clock.Now(),
                                       KeyRotationTrigger::kOffline);
                                 })
              .ok());
  REQUIRE(ledger->Append({Draft("t", "after-rotation")}).ok());
  int seen = 0;
  REQUIRE(ledger
              ->Read("t", 1, false,
                     [&](const Entry& e) {
                       ++seen;
                       CHECK(e.payload.has_value());
                       return true;
                     })
              .ok());
  CHECK(seen == 3);  // the rotation is recorded too
  CHECK(Verify(ledger->store(), gate.key).clean());
}

TEST_CASE(
    "a ledger of sealed payloads refuses to append without its master "
    "key",
    "[evidence]") {
  testing::TempDir dir;
  Gate gate;
  {
    auto ledger = gate.Open(dir.Sub("db"));
    AppendN(*ledger, "t", 1);
  }
  auto ledger = Ledger::Open(OpenStore(dir.Sub("db")));
  REQUIRE(ledger.ok());
  CHECK((*ledger)->Append({Draft("t", "x")}).status().code() ==
        absl::StatusCode::kFailedPrecondition);
}

std::unique_ptr<Ledger> OldEntries(Gate& gate, const std::string& dir) {
  auto ledger = gate.Open(dir, /*every=*/2);
  for (int i = 1; i <= 5; ++i) {
    EntryDraft d = Draft("t", absl::StrCat("p", i));
    d.time = gate.clock.Now() + absl::Hours(24 * i);
    REQUIRE(ledger->Append({d}).ok());
  }
  return ledger;
}

TEST_CASE("retention prunes old payloads, the chain still verifies",
          "[evidence]") {
  testing::TempDir dir;
  Gate gate;
  auto ledger = OldEntries(gate, dir.Sub("db"));
  absl::Time cutoff = gate.clock.Now() + absl::Hours(24 * 3);
  auto pruned = ledger->Prune("t", cutoff);
  REQUIRE(pruned.ok());
  CHECK(pruned->pruned_through == 2);
  CHECK(pruned->newly_pruned == 2);
  // Again: nothing more is due, nothing is recorded.
  CHECK(ledger->Prune("t", cutoff)->newly_pruned == 0);
  CHECK(ledger->Head("t")->sequence == 6);

  std::vector<std::optional<std::string>> payloads;
  REQUIRE(ledger
              ->Read("t", 1, false,
                     [&](const Entry& e) {
                       payloads.push_back(e.payload);
                       return true;
                     })
              .ok());
  REQUIRE(payloads.size() == 6);
  CHECK_FALSE(payloads[0].has_value());
  CHECK_FALSE(payloads[1].has_value());
  CHECK(payloads[2] == std::optional<std::string>("p3"));
  auto record = ledger->Latest("t", "ledger.pruned");
  REQUIRE(record.ok());
  REQUIRE(record->has_value());
  CHECK((*record)->payload->find("\"prunedThrough\":2") != std::string::npos);

  VerifyReport report = Verify(ledger->store(), gate.key);
  CHECK(report.clean());
  CHECK(report.pruned == 2);
  CHECK(ledger->Prune("nobody", cutoff).status().code() ==
        absl::StatusCode::kNotFound);
  CHECK(ledger->Prune("../x", cutoff).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("scheduled retention follows per-tenant overrides and its interval",
          "[evidence][retention]") {
  testing::TempDir dir;
  Gate gate;
  auto ledger = gate.Open(dir.Sub("db"));
  for (const char* tenant : {"short", "long", "kept"}) {
    for (int i = 1; i <= 4; ++i) {
      EntryDraft d = Draft(tenant, absl::StrCat("p", i));
      d.time = gate.clock.Now() + absl::Hours(24 * i);
      REQUIRE(ledger->Append({d}).ok());
    }
  }
  gate.clock.Advance(absl::Hours(24 * 5) - absl::Minutes(15));
  MaintenanceOptions options;
  // At the first round: "short" keeps entries from day 3 on (its cutoff is
  // 5 minutes before entry 3), "long" from day 2 on, "kept" everything.
  options.retention = absl::Hours(24 * 2) - absl::Minutes(10);
  options.tenant_retention["long"] = absl::Hours(24 * 4) - absl::Hours(1);
  options.tenant_retention["kept"] = absl::ZeroDuration();
  options.prune_every = absl::Minutes(30);
  std::vector<std::string> lines;
  LedgerMaintenance maintenance(
      *ledger, gate.clock, options,
      [&](bool, const std::string& line) { lines.push_back(line); });
  maintenance.RunOnce();
  auto pruned = [&](const std::string& tenant) -> std::string {
    auto record = ledger->Latest(tenant, "ledger.pruned");
    REQUIRE(record.ok());
    if (!record->has_value()) return "";
    return *(*record)->payload;
  };
  CHECK(pruned("short").find("\"prunedThrough\":2") != std::string::npos);
  CHECK(pruned("long").find("\"prunedThrough\":1") != std::string::npos);
  CHECK(pruned("kept").empty());
  CHECK(lines.size() == 2);

  // Entry 3 of "short" falls due 5 minutes later, but retention waits for
  // its interval.
  gate.clock.Advance(absl::Minutes(29));
  maintenance.RunOnce();
  CHECK(pruned("short").find("\"prunedThrough\":2") != std::string::npos);
  gate.clock.Advance(absl::Minutes(2));
  maintenance.RunOnce();
  CHECK(pruned("short").find("\"prunedThrough\":3") != std::string::npos);
  CHECK(lines.size() == 3);
  CHECK(maintenance.Stop().ok());

  VerifyReport report = Verify(ledger->store(), gate.key);
  CHECK(report.clean());
  CHECK(report.pruned == 3 + 1);
}

TEST_CASE("a payload deleted beyond what retention recorded is tampering",
          "[evidence]") {
  testing::TempDir dir;
  Gate gate;
  auto ledger = OldEntries(gate, dir.Sub("db"));
  REQUIRE(ledger->Prune("t", gate.clock.Now() + absl::Hours(24 * 3)).ok());
  ledger.reset();
  auto store = OpenStore(dir.Sub("db"));
  WriteBatch batch;
  batch.Delete(PayloadKey("t", 4));
  REQUIRE(store->Write(batch, true).ok());
  VerifyReport report = Verify(*store, gate.key);
  REQUIRE(report.breaks.size() == 1);
  CHECK(report.breaks[0].sequence == 4);
  CHECK(report.breaks[0].reason == "payload is missing");
  // Moving the retention marker forward does not hide it: the chain's own
  // ledger.pruned record says how far retention went.
  CanonicalWriter through;
  through.U64(4);
  WriteBatch marker;
  marker.Put(ledger_internal::PrunedKey("t"), through.Release());
  REQUIRE(store->Write(marker, true).ok());
  report = Verify(*store, gate.key);
  REQUIRE(report.breaks.size() == 1);
  CHECK(report.breaks[0].sequence == 4);
  CHECK(report.breaks[0].reason.find("retention recorded pruning only up to "
                                     "2") != std::string::npos);
}

TEST_CASE("a checkpoint copied from another tenant is detected", "[evidence]") {
  testing::TempDir dir;
  Gate gate;
  {
    auto ledger = gate.Open(dir.Sub("db"));
    AppendN(*ledger, "t", 3);
    AppendN(*ledger, "u", 3);
  }
  auto store = OpenStore(dir.Sub("db"));
  WriteBatch batch;
  batch.Put(CheckpointKey("t", 3), **store->Get(CheckpointKey("u", 3)));
  REQUIRE(store->Write(batch, true).ok());
  VerifyReport report = Verify(*store, gate.key);
  REQUIRE(report.breaks.size() == 1);
  CHECK(report.breaks[0].tenant == "t");
  CHECK(report.breaks[0].sequence == 3);
  CHECK(report.breaks[0].reason.find("belongs to tenant \"u\"") !=
        std::string::npos);
}

TEST_CASE("deleting a tenant shreds it and records the deletion",
          "[evidence]") {
  testing::TempDir dir;
  Gate gate;
  auto ledger = gate.Open(dir.Sub("db"));
  AppendN(*ledger, "t", 4);
  AppendN(*ledger, "u", 2);
  std::string sealed = **ledger->store().Get(PayloadKey("t", 1));
  crypto::Digest head = ledger->Head("t")->hash;

  REQUIRE(ledger->DeleteTenant("t").ok());
  CHECK(ledger->Tenants() == std::vector<std::string>{"u"});
  for (char tag : ledger_internal::kAllTenantTags) {
    std::string prefix = ledger_internal::TenantPrefix(tag, "t");
    int left = 0;
    REQUIRE(ledger->store()
                .Scan(prefix, ledger_internal::PrefixEnd(prefix), false,
                      [&](absl::string_view, absl::string_view) {
                        ++left;
                        return true;
                      })
                .ok());
    INFO("tag " << tag);
    CHECK(left == 0);
  }
  // The master key alone no longer opens what was stored.
  CHECK(
      ledger->keyring().Open("t", 1, kEntryVersion2, sealed).status().code() ==
      absl::StatusCode::kDataLoss);
  // The deletion is on the ledger's own chain, with the final head.
  std::vector<std::string> records;
  REQUIRE(ledger->store()
              .Scan(ledger_internal::TenantPrefix('P', "_ledger"),
                    ledger_internal::PrefixEnd(
                        ledger_internal::TenantPrefix('P', "_ledger")),
                    false,
                    [&](absl::string_view, absl::string_view v) {
                      records.emplace_back(v.substr(1));
                      return true;
                    })
              .ok());
  REQUIRE(records.size() == 1);
  CHECK(records[0].find("\"tenant\":\"t\",\"entries\":4") != std::string::npos);
  CHECK(records[0].find(crypto::ToHex(head)) != std::string::npos);
  CHECK(Verify(ledger->store(), gate.key).clean());
  CHECK(ledger->DeleteTenant("t").code() == absl::StatusCode::kNotFound);

  // A new tenant of the same name starts afresh; a restart is clean.
  AppendN(*ledger, "t", 1);
  ledger.reset();
  ledger = gate.Open(dir.Sub("db"));
  CHECK(ledger->Refusals().empty());
  CHECK(ledger->Head("t")->sequence == 1);
}

TEST_CASE("a ledger written before the Merkle tree gets one at open",
          "[evidence]") {
  testing::TempDir dir;
  Gate gate;
  {
    auto store = OpenStore(dir.Sub("db"));
    WriteBatch batch;
    crypto::Digest previous{};
    for (uint64_t s = 1; s <= 5; ++s) {
      Entry e;
      e.version = kEntryVersion1;
      e.sequence = s;
      e.tenant = "t";
      e.kind = "action.evaluated";
      e.payload_digest = PayloadDigest("raw");
      e.previous_hash = previous;
      e.hash = ComputeEntryHash(e);
      previous = e.hash;
      batch.Put(EntryKey("t", s), EncodeStoredEntry(e));
      batch.Put(PayloadKey("t", s), "raw");
    }
    CanonicalWriter head;
    head.U64(5);
    head.Fixed(crypto::AsBytes(previous));
    batch.Put(HeadKey("t"), head.Release());
    REQUIRE(store->Write(batch, true).ok());
  }
  auto ledger = gate.Open(dir.Sub("db"));
  CHECK(ledger->Refusals().empty());
  AppendN(*ledger, "t", 1);
  CHECK(CheckpointSizes(ledger->store(), "t") == std::vector<uint64_t>{6});
  int raw = 0;
  REQUIRE(ledger
              ->Read("t", 1, false,
                     [&](const Entry& e) {
                       raw += e.payload == std::optional<std::string>("raw");
                       return true;
                     })
              .ok());
  CHECK(raw == 5);
  CHECK(Verify(ledger->store(), gate.key).clean());
}

}  // namespace
}  // namespace portcullis::ledger
