// Ledger is the append-only, per-tenant, hash-chained record of everything
// the gate decides and does. It is the source of truth: pending approvals,
// grants and limit counters are rebuilt from it at start.
//
// Appends are group-committed: concurrent callers queue, the first in line
// becomes the leader, chains every queued entry, writes them all in one
// batch (synced by default) and wakes the others. No lock is held during
// the write. Append returns only once its entries are durable; if they
// cannot be written it returns an error and the entries do not exist.
//
// Thread-safe.
#ifndef PORTCULLIS_LEDGER_LEDGER_H_
#define PORTCULLIS_LEDGER_LEDGER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "crypto/hash.h"
#include "ledger/entry.h"
#include "ledger/key_value_store.h"

namespace portcullis::ledger {

struct LedgerOptions {
  // Sync the write-ahead log before acknowledging: survives a machine
  // crash. Without it, acknowledged entries survive a process crash only.
  bool sync = true;
  // The most bytes one group commit gathers before writing.
  size_t max_group_bytes = 4 << 20;
};

// The last entry of a tenant's chain.
struct ChainHead {
  uint64_t sequence = 0;
  crypto::Digest hash{};
};

// Where an appended entry landed.
struct Appended {
  uint64_t sequence = 0;
  crypto::Digest hash{};
};

class Ledger {
 public:
  // Opens the ledger on `store` and loads each tenant's head. Returns
  // DataLoss when a head does not match the entry it names.
  static absl::StatusOr<std::unique_ptr<Ledger>> Open(
      std::unique_ptr<KeyValueStore> store, LedgerOptions options = {});

  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Appends `drafts` in order, atomically, each to its tenant's chain, and
  // returns their sequences and hashes once durable.
  //
  // Returns InvalidArgument for a malformed draft (bad tenant id or kind,
  // a digest that is not 32 bytes) and Unavailable when the storage fails;
  // in both cases nothing is appended.
  absl::StatusOr<std::vector<Appended>> Append(std::vector<EntryDraft> drafts)
      ABSL_LOCKS_EXCLUDED(mu_);

  // The head of `tenant`'s chain, or nullopt when it has no entries.
  std::optional<ChainHead> Head(absl::string_view tenant) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Every tenant with at least one entry, sorted.
  std::vector<std::string> Tenants() const ABSL_LOCKS_EXCLUDED(mu_);

  // Calls `visit` with each entry of `tenant` (payload included) from
  // sequence `from` upwards, or from the head downwards when `reverse`,
  // until it returns false. Returns DataLoss for an entry that does not
  // decode.
  absl::Status Read(absl::string_view tenant, uint64_t from, bool reverse,
                    absl::FunctionRef<bool(const Entry&)> visit) const;

  // Calls `visit` with each entry of `tenant` whose decision_id is
  // `decision_id`, in sequence order, until it returns false. Returns
  // InvalidArgument for a malformed tenant or decision id.
  absl::Status ReadDecision(absl::string_view tenant,
                            absl::string_view decision_id,
                            absl::FunctionRef<bool(const Entry&)> visit) const;

  // The latest entry of `kind` in `tenant`'s chain (payload included), or
  // nullopt when there is none. Constant time however long the chain.
  absl::StatusOr<std::optional<Entry>> Latest(absl::string_view tenant,
                                              absl::string_view kind) const;

  // The underlying store, for verification.
  const KeyValueStore& store() const { return *store_; }

 private:
  struct Writer;
  struct Group;

  Ledger(std::unique_ptr<KeyValueStore> store, LedgerOptions options)
      : store_(std::move(store)), options_(options) {}

  absl::Status LoadHeads() ABSL_LOCKS_EXCLUDED(mu_);
  // Reads the entry (with payload) stored under `tenant` and `sequence`.
  absl::StatusOr<Entry> ReadEntry(absl::string_view tenant,
                                  uint64_t sequence) const;
  // Leader only: chains the group's drafts onto `heads` and fills `batch`.
  void ChainGroup(std::vector<Writer*>& group,
                  absl::flat_hash_map<std::string, ChainHead>& heads,
                  WriteBatch& batch);
  // Leader only, after a failed write: re-reads the heads of `tenants`
  // from the store, which is the truth.
  absl::Status ReloadHeads(const std::vector<std::string>& tenants)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::unique_ptr<KeyValueStore> store_;
  const LedgerOptions options_;

  mutable absl::Mutex mu_;
  // Heads change only under mu_ and only by the current leader.
  absl::flat_hash_map<std::string, ChainHead> heads_ ABSL_GUARDED_BY(mu_);
  std::deque<Writer*> writers_ ABSL_GUARDED_BY(mu_);
};

// Checks a draft as Append does: InvalidArgument naming the field.
absl::Status ValidateDraft(const EntryDraft& draft);

}  // namespace portcullis::ledger

#endif  // PORTCULLIS_LEDGER_LEDGER_H_
