#include "ledger/verifier.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <limits>
#include <optional>
#include <thread>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "base/canonical_encoding.h"
#include "base/status_macros.h"
#include "base/thread_name.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/internal/chain_reader.h"
#include "ledger/internal/chain_state.h"
#include "ledger/internal/chain_walk.h"
#include "ledger/internal/keys.h"
#include "ledger/internal/ledger_records.h"
#include "ledger/internal/worker_pool.h"
#include "ledger/merkle.h"

namespace portcullis::ledger {
namespace {

using ledger_internal::ChainTally;
using ledger_internal::ChainWalk;
using ledger_internal::ComputeFacts;
using ledger_internal::EntryFacts;
using ledger_internal::EntryProblem;
using ledger_internal::PrefixEnd;
using ledger_internal::RangeChecks;
using ledger_internal::TenantPrefix;

// Entries hashed per task of a parallel chunk: enough to amortize handing
// the task over, few enough that a chunk spreads over many cores.
constexpr size_t kEntriesPerTask = 128;

// Checkpoints whose signatures are checked per task on the pool: each
// takes tens of microseconds, and a long chain has hundreds.
constexpr size_t kCheckpointsPerTask = 8;

// Loads and checks `tenant`'s checkpoints; a bad one is a break (the first
// in size order). Their signatures are checked on `pool`.
absl::StatusOr<std::vector<SignedCheckpoint>> LoadCheckpoints(
    const KeyValueStore& store, const std::string& tenant,
    const crypto::VerifyingKey* key, ledger_internal::WorkerPool& pool,
    std::optional<ChainBreak>& problem) {
  std::vector<SignedCheckpoint> out;
  std::string prefix = TenantPrefix(ledger_internal::kCheckpointTag, tenant);
  PORTCULLIS_RETURN_IF_ERROR(store.Scan(
      prefix, PrefixEnd(prefix), false,
      [&](absl::string_view k, absl::string_view value) {
        CanonicalReader r(k.substr(prefix.size()));
        auto size = r.U64();
        auto note = ParseCheckpoint(value);
        uint64_t at = size.ok() ? *size : 0;
        if (!size.ok() || !r.done() || !note.ok()) {
          problem = ChainBreak{tenant, at, "a checkpoint does not parse"};
        } else if (note->checkpoint.tenant != tenant) {
          problem = ChainBreak{
              tenant, at,
              absl::StrCat("the checkpoint of ", at, " belongs to tenant \"",
                           note->checkpoint.tenant,
                           "\": copied from another chain")};
        } else if (note->checkpoint.size != at) {
          problem = ChainBreak{tenant, at,
                               "a checkpoint is stored under another size"};
        } else {
          out.push_back(*std::move(note));
          return true;
        }
        return false;
      }));
  if (key == nullptr) return out;
  // The signatures of those before the first other problem; a bad one
  // comes before that problem.
  std::vector<char> verified(out.size());
  const size_t tasks =
      (out.size() + kCheckpointsPerTask - 1) / kCheckpointsPerTask;
  pool.ParallelFor(tasks, [&](size_t task) {
    size_t end = std::min(out.size(), (task + 1) * kCheckpointsPerTask);
    for (size_t i = task * kCheckpointsPerTask; i < end; ++i) {
      verified[i] = VerifyCheckpointSignature(out[i], *key);
    }
  });
  for (size_t i = 0; i < out.size(); ++i) {
    if (verified[i]) continue;
    const uint64_t at = out[i].checkpoint.size;
    problem = ChainBreak{
        tenant, at,
        absl::StrCat("the signature of the checkpoint of ", at,
                     " does not verify with the gate's key: forged or "
                     "modified")};
    out.resize(i);
    break;
  }
  return out;
}

// Adds the checkpoint kept outside the store to `checkpoints`, in size
// order; a bad one is a break.
void AddKeptCheckpoint(const std::string& tenant, const std::string& note,
                       const crypto::VerifyingKey* key,
                       std::vector<SignedCheckpoint>& checkpoints,
                       std::optional<ChainBreak>& problem) {
  auto parsed = ParseCheckpoint(note);
  if (!parsed.ok() || parsed->checkpoint.tenant != tenant) {
    problem = ChainBreak{tenant, 0,
                         "the checkpoint kept outside the database is "
                         "malformed or belongs to another chain"};
    return;
  }
  if (key != nullptr && !VerifyCheckpointSignature(*parsed, *key)) {
    problem = ChainBreak{tenant, parsed->checkpoint.size,
                         "the signature of the checkpoint kept outside the "
                         "database does not verify with the gate's key"};
    return;
  }
  auto at = std::upper_bound(checkpoints.begin(), checkpoints.end(),
                             parsed->checkpoint.size,
                             [](uint64_t size, const SignedCheckpoint& c) {
                               return size < c.checkpoint.size;
                             });
  checkpoints.insert(at, *std::move(parsed));
}

// Pairs each entry of `chunk` with the payload stored for it. `facts` is
// scratch space kept across chunks.
void MatchPayloads(const ledger_internal::ChainChunk& chunk,
                   std::vector<EntryFacts>& facts) {
  const ledger_internal::RecordBuffer& entries = chunk.entries;
  const ledger_internal::RecordBuffer& payloads = chunk.payloads;
  if (facts.size() < entries.size()) facts.resize(entries.size());
  size_t p = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    uint64_t sequence = entries.sequence(i);
    while (p < payloads.size() && payloads.sequence(p) < sequence) ++p;
    facts[i].payload.reset();
    if (p < payloads.size() && payloads.sequence(p) == sequence) {
      facts[i].payload = payloads.value(p);
    }
  }
}

// Visits the entries of `chunk` with the payloads stored for them, hashing
// them on `pool` first. Returns false once the chain is broken.
bool WalkChunk(const ledger_internal::ChainChunk& chunk,
               ledger_internal::WorkerPool& pool,
               std::vector<EntryFacts>& facts, ChainWalk& walk) {
  const ledger_internal::RecordBuffer& entries = chunk.entries;
  MatchPayloads(chunk, facts);
  const size_t tasks = (entries.size() + kEntriesPerTask - 1) / kEntriesPerTask;
  pool.ParallelFor(tasks, [&](size_t task) {
    size_t end = std::min(entries.size(), (task + 1) * kEntriesPerTask);
    for (size_t i = task * kEntriesPerTask; i < end; ++i) {
      ComputeFacts(entries.value(i), facts[i]);
    }
  });
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!walk.Visit(entries.sequence(i), facts[i])) return false;
  }
  return true;
}

// Reading by sequence range (below): each part covers this many sequences;
// at least this many parts, and two per thread, are read ahead of the one
// the walk is at (so that no thread waits for a slot); and a loop on the
// pool covers this many parts (a break ends the reading at the end of its
// loop, so a head that names far too many entries costs little).
constexpr uint64_t kRangeSequences = 1024;
constexpr uint64_t kMinRangesAhead = 16;
constexpr uint64_t kRangesPerLoop = 256;

static_assert(std::has_single_bit(kRangeSequences));

// One range of a chain, read and hashed on its own.
struct RangePart {
  std::string from_key, to_key;
  uint64_t first_sequence = 0;
  ledger_internal::ChainChunk chunk;
  std::vector<EntryFacts> facts;
  absl::Status read;
  // When the range is whole (every sequence of it, in order): the Merkle
  // subtree over its leaves, and the checks of its entries after the first,
  // also on its own thread.
  bool whole = false;
  MerkleSubtree tree;
  std::vector<crypto::Digest> leaves;
  RangeChecks checks;
};

// Checks the entries of a whole range after its first, each on its own and
// against the one before it, as the walk would if the first is intact.
void CheckRange(const std::string& tenant, uint64_t pruned_hint,
                RangePart& part) {
  RangeChecks& checks = part.checks;
  checks.tally.Clear();
  checks.intact = false;
  std::optional<uint64_t> pruned_through;
  for (size_t i = 1; i < part.chunk.entries.size(); ++i) {
    const EntryFacts& facts = part.facts[i];
    if (EntryProblem(tenant, part.first_sequence + i, facts,
                     part.facts[i - 1].entry.hash, pruned_hint,
                     pruned_through)) {
      return;
    }
    checks.tally.Add(facts, pruned_through);
  }
  checks.intact = true;
}

void ReadAndHash(const KeyValueStore& store, const std::string& tenant,
                 uint64_t pruned_hint, RangePart& part) {
  part.whole = false;
  part.read = ledger_internal::ReadChunk(
      store, tenant, part.from_key, part.to_key,
      std::numeric_limits<size_t>::max(), part.chunk);
  if (!part.read.ok()) return;
  const ledger_internal::RecordBuffer& entries = part.chunk.entries;
  MatchPayloads(part.chunk, part.facts);
  for (size_t i = 0; i < entries.size(); ++i) {
    ComputeFacts(entries.value(i), part.facts[i]);
  }
  if (entries.size() != kRangeSequences) return;
  part.leaves.resize(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries.sequence(i) != part.first_sequence + i) return;
    part.leaves[i] = part.facts[i].leaf;
  }
  part.whole = part.tree.Build(part.leaves).ok();
  if (part.whole) CheckRange(tenant, pruned_hint, part);
}

// What a thread about to read range `range` into a slot waits for: that
// the walk has passed the range read there before (or stopped).
struct SlotWait {
  const bool* stopped;
  const uint64_t* walked;  // ranges walked
  uint64_t range;
  uint64_t slots;
  static bool Free(SlotWait* wait) {
    return *wait->stopped || *wait->walked + wait->slots > wait->range;
  }
};

// Verifies one tenant; returns its walk (or a break found before it).
absl::Status VerifyTenant(const KeyValueStore& store, const std::string& tenant,
                          const VerifyOptions& options, bool read_ahead,
                          ledger_internal::WorkerPool& pool,
                          VerifyReport& report,
                          absl::FunctionRef<void(uint64_t)> verified) {
  std::optional<ChainBreak> problem;
  PORTCULLIS_ASSIGN_OR_RETURN(
      auto checkpoints,
      LoadCheckpoints(store, tenant, options.key, pool, problem));
  if (auto kept = options.kept_checkpoints.find(tenant);
      kept != options.kept_checkpoints.end() && !problem) {
    AddKeptCheckpoint(tenant, kept->second, options.key, checkpoints, problem);
  }
  ++report.tenants;
  if (problem) {
    report.breaks.push_back(*problem);
    return absl::OkStatus();
  }
  PORTCULLIS_ASSIGN_OR_RETURN(auto head_bytes,
                              store.Get(ledger_internal::HeadKey(tenant)));
  std::optional<ledger_internal::DecodedHead> head;
  bool head_malformed = false;
  if (head_bytes.has_value()) {
    auto decoded = ledger_internal::DecodeHead(*head_bytes);
    if (decoded.ok()) {
      head = *std::move(decoded);
    } else {
      head_malformed = true;
    }
  }
  uint64_t pruned_hint = 0;
  PORTCULLIS_ASSIGN_OR_RETURN(auto pruned,
                              store.Get(ledger_internal::PrunedKey(tenant)));
  if (pruned.has_value()) {
    CanonicalReader r(*pruned);
    if (auto through = r.U64(); through.ok()) pruned_hint = *through;
  }

  ChainWalk walk(tenant, std::move(checkpoints), pruned_hint);
  // Why a walk stopped before the end of the chain.
  // (kGap: a range part held no entry; the rest is read as one chain.)
  enum class Stop { kNone, kBroken, kUnreadable, kMalformedKey, kGap };
  // Walks `reader`'s chunks.
  auto walk_chunks =
      [&](ledger_internal::ChainReader& reader) -> absl::StatusOr<Stop> {
    std::vector<EntryFacts> facts;
    for (;;) {
      absl::StatusOr<const ledger_internal::ChainChunk*> next = reader.Next();
      if (absl::IsDataLoss(next.status())) {
        // The store cannot read what follows (a damaged table file): name
        // the first entry lost to it, and let other tenants be verified.
        report.breaks.push_back(
            {tenant, walk.entries() + 1,
             absl::StrCat("entries from ", walk.entries() + 1,
                          " on cannot be read: ", next.status().message())});
        return Stop::kUnreadable;
      }
      PORTCULLIS_RETURN_IF_ERROR(next.status());
      const ledger_internal::ChainChunk* chunk = *next;
      if (chunk == nullptr) return Stop::kNone;
      if (chunk->malformed_key) {
        report.breaks.push_back(
            {tenant, walk.entries() + 1, "a ledger key is malformed"});
        return Stop::kMalformedKey;
      }
      bool intact = WalkChunk(*chunk, pool, facts, walk);
      verified(chunk->entries.size());
      if (!intact) return Stop::kBroken;  // walk.chain_break() says where
    }
  };

  // With helpers and a head to go by, the chain up to the head is read by
  // sequence range: every part is read, hashed and checked on whichever
  // thread takes it, and whichever thread finishes the part next in order
  // stitches it (and the finished parts after it) onto the walk. No thread
  // waits for a batch: only for the walk to pass the part that last used
  // its slot. What follows the head (nothing, unless appended outside the
  // gate) is then read as one chain.
  std::string tail_from;
  Stop stop = Stop::kNone;
  absl::Status failed;
  if (pool.workers() > 0 && head.has_value() && head->sequence > 0) {
    // Range r (sequences r * kRangeSequences + 1 on) is read into slot
    // r % ahead, once the walk has passed range r - ahead.
    const uint64_t ahead =
        std::max<uint64_t>(kMinRangesAhead, 2 * (pool.workers() + 1));
    std::vector<RangePart> slots(ahead);
    std::vector<uint64_t> read_range(ahead, ~uint64_t{0});
    absl::Mutex mu;
    uint64_t walked = 0;   // ranges walked; guarded by mu
    bool stopped = false;  // guarded by mu
    // Walks a read range; under mu.
    auto visit = [&](RangePart& part) -> Stop {
      if (absl::IsDataLoss(part.read)) {
        report.breaks.push_back(
            {tenant, walk.entries() + 1,
             absl::StrCat("entries from ", walk.entries() + 1,
                          " on cannot be read: ", part.read.message())});
        return Stop::kUnreadable;
      }
      if (!part.read.ok()) {
        failed = part.read;
        return Stop::kUnreadable;
      }
      if (part.chunk.malformed_key) {
        report.breaks.push_back(
            {tenant, walk.entries() + 1, "a ledger key is malformed"});
        return Stop::kMalformedKey;
      }
      const ledger_internal::RecordBuffer& entries = part.chunk.entries;
      if (entries.size() == 0) {
        // Entries are missing (or a damaged head names more than there
        // are): read on from here as one chain, whose walk says what is
        // wrong, rather than seek range after empty range.
        tail_from = part.from_key;
        return Stop::kGap;
      }
      // A whole range's entries were checked and its subtree hashed
      // beside the reads: the walk only stitches it on, next to no
      // serial work.
      bool intact = true;
      if (part.whole) {
        intact = walk.VisitRange(
            part.first_sequence,
            absl::MakeConstSpan(part.facts.data(), entries.size()), part.tree,
            part.checks);
      } else {
        for (size_t i = 0; i < entries.size() && intact; ++i) {
          intact = walk.Visit(entries.sequence(i), part.facts[i]);
        }
      }
      verified(entries.size());
      return intact ? Stop::kNone : Stop::kBroken;
    };
    const uint64_t ranges = head->sequence / kRangeSequences +
                            (head->sequence % kRangeSequences != 0 ? 1 : 0);
    for (uint64_t base = 0; base < ranges && stop == Stop::kNone;
         base += kRangesPerLoop) {
      const uint64_t count = std::min(kRangesPerLoop, ranges - base);
      pool.ParallelFor(count, [&](size_t i) {
        const uint64_t r = base + i;
        RangePart& part = slots[r % ahead];
        {
          absl::MutexLock lock(&mu);
          // Until the walk has passed the range that used the slot.
          SlotWait wait{&stopped, &walked, r, ahead};
          mu.Await(absl::Condition(&SlotWait::Free, &wait));
          if (stopped) return;
        }
        const uint64_t first = 1 + r * kRangeSequences;
        part.first_sequence = first;
        part.from_key = first == 1
                            ? TenantPrefix(ledger_internal::kEntryTag, tenant)
                            : ledger_internal::EntryKey(tenant, first);
        part.to_key =
            ledger_internal::EntryKey(tenant, first + kRangeSequences);
        ReadAndHash(store, tenant, pruned_hint, part);
        absl::MutexLock lock(&mu);
        read_range[r % ahead] = r;
        // Walk every range read, in order, from the one the walk is at.
        while (!stopped && read_range[walked % ahead] == walked) {
          stop = visit(slots[walked % ahead]);
          ++walked;
          stopped = stop != Stop::kNone;
        }
      });
    }
    PORTCULLIS_RETURN_IF_ERROR(failed);
    if (stop == Stop::kGap) {
      stop = Stop::kNone;
    } else if (stop == Stop::kNone) {
      tail_from =
          ledger_internal::EntryKey(tenant, 1 + ranges * kRangeSequences);
    }
  }
  if (stop == Stop::kNone) {
    ledger_internal::ChainReader reader(
        store, tenant, read_ahead && tail_from.empty(), tail_from);
    PORTCULLIS_ASSIGN_OR_RETURN(stop, walk_chunks(reader));
  }
  if (stop == Stop::kMalformedKey) return absl::OkStatus();
  if (stop == Stop::kUnreadable) {
    report.entries += walk.entries();
    return absl::OkStatus();
  }
  walk.Finish(head, head_malformed);
  if (walk.entries() == 0 && !head.has_value() && !head_malformed &&
      !walk.chain_break() && walk.checkpoints_checked() == 0) {
    --report.tenants;  // nothing of this tenant is stored
    return absl::OkStatus();
  }
  report.entries += walk.entries();
  report.replicas.insert(walk.replicas().begin(), walk.replicas().end());
  report.pruned += walk.pruned();
  report.checkpoints += walk.checkpoints_checked();
  if (walk.chain_break()) report.breaks.push_back(*walk.chain_break());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<VerifyReport> VerifyLedger(const KeyValueStore& store,
                                          const VerifyOptions& options) {
  std::vector<std::string> tenants;
  if (!options.tenant.empty()) {
    tenants.push_back(options.tenant);
  } else {
    std::string tags = {ledger_internal::kHeadTag,
                        ledger_internal::kCheckpointTag};
    PORTCULLIS_ASSIGN_OR_RETURN(
        tenants, ledger_internal::StoredTenants(store, tags,
                                                /*include_ledger_chain=*/true));
    // Chains with entries but no head: only a damaged ledger has them, and
    // a damaged table file may hide them; the tenants above are still
    // verified then.
    auto headless = ledger_internal::StoredTenants(
        store, std::string(1, ledger_internal::kEntryTag),
        /*include_ledger_chain=*/true);
    if (!headless.ok() && !absl::IsDataLoss(headless.status())) {
      return headless.status();
    }
    if (headless.ok()) {
      tenants.insert(tenants.end(), headless->begin(), headless->end());
    }
    for (const auto& [chain, note] : options.kept_checkpoints) {
      if (std::find(tenants.begin(), tenants.end(), chain) == tenants.end()) {
        tenants.push_back(chain);
      }
    }
    std::sort(tenants.begin(), tenants.end());
    tenants.erase(std::unique(tenants.begin(), tenants.end()), tenants.end());
  }
  // Tenants are independent: verify them side by side, one per thread up
  // to the thread count, and merge the reports in tenant order. Threads
  // left over join the pool that hashes each tenant's chunks, so a lone
  // tenant uses every core too; it also gets a thread of its own that reads
  // its chain ahead of the checks.
  const size_t threads =
      options.threads > 0
          ? static_cast<size_t>(options.threads)
          : std::max<size_t>(1, std::thread::hardware_concurrency());
  const size_t walkers = std::max<size_t>(1, std::min(threads, tenants.size()));
  const bool read_ahead = tenants.size() == 1 && threads >= 2;
  ledger_internal::WorkerPool pool(threads - walkers, "gate-verify");
  std::vector<VerifyReport> reports(tenants.size());
  std::vector<absl::Status> statuses(tenants.size());
  std::atomic<size_t> next{0};
  absl::Mutex progress_mu;
  uint64_t done = 0;
  auto verified = [&](uint64_t n) {
    absl::MutexLock lock(&progress_mu);
    done += n;
    if (options.progress) options.progress(done);
  };
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < tenants.size();) {
      statuses[i] = VerifyTenant(store, tenants[i], options, read_ahead, pool,
                                 reports[i], verified);
    }
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < walkers; ++t) {
    helpers.emplace_back([&work] {
      SetCurrentThreadName("gate-verify");
      work();
    });
  }
  work();
  for (std::thread& t : helpers) t.join();

  VerifyReport report;
  report.signatures_checked = options.key != nullptr;
  for (size_t i = 0; i < tenants.size(); ++i) {
    if (absl::IsDataLoss(statuses[i])) {
      // Its head, checkpoints or retention record cannot be read.
      ++report.tenants;
      report.breaks.push_back({tenants[i], 0,
                               absl::StrCat("its records cannot be read: ",
                                            statuses[i].message())});
      continue;
    }
    PORTCULLIS_RETURN_IF_ERROR(statuses[i]);
    report.tenants += reports[i].tenants;
    report.entries += reports[i].entries;
    report.replicas.insert(reports[i].replicas.begin(),
                           reports[i].replicas.end());
    report.pruned += reports[i].pruned;
    report.checkpoints += reports[i].checkpoints;
    for (ChainBreak& b : reports[i].breaks) report.breaks.push_back(b);
  }
  return report;
}

}  // namespace portcullis::ledger
