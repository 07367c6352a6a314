// Ledger is the append-only, per-tenant, hash-chained record of everything
// the gate decides and does. It is the source of truth: pending approvals,
// grants and limit counters are rebuilt from it at start.
//
// Appends are group-committed: concurrent callers queue, the first in line
// becomes the leader, chains every queued entry, writes them all in one
// batch (synced by default) and wakes the others. No lock is held during
// the write. Append returns only once its entries are durable; if they
// cannot be written it returns an error and the entries do not exist.
// AppendAsync queues the same way without a waiting thread: when such a
// writer reaches the front of the queue, the ledger's commit thread leads
// and calls it back once the group is written. An AppendAsync that finds
// the queue empty leads its group itself and is answered before it
// returns (LedgerOptions::lead_in_place), so a lone caller pays no
// hand-off to the commit thread. One that queues behind a group seals its
// own payloads while it waits, for the sequences they are predicted to
// take (LedgerOptions::seal_by_callers), so the leader mostly only chains.
//
// Beside each chain the ledger keeps an RFC 6962 Merkle tree (merkle.h)
// and, when given the gate's key, signs checkpoints (checkpoint.h) every N
// entries (in the same batch as the entry that completes them) and, through
// SignCheckpoints, every T. Payloads are sealed per tenant when master keys
// are configured (payload_keyring.h): callers append and read plaintext.
//
// At open each tenant's chain is checked against its head record and its
// latest checkpoint; a tenant that fails (a rollback, a rewrite) is
// refused: its appends fail with FailedPrecondition and Refusals() says
// why. Other tenants are not affected.
//
// Thread-safe.
#ifndef PORTCULLIS_LEDGER_LEDGER_H_
#define PORTCULLIS_LEDGER_LEDGER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "base/work_threads.h"
#include "crypto/aead.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/master_key_file.h"
#include "ledger/checkpoint_files.h"
#include "ledger/entry.h"
#include "ledger/internal/chain_state.h"
#include "ledger/key_value_store.h"
#include "ledger/payload_keyring.h"

namespace portcullis::ledger {
namespace ledger_internal {
class WorkerPool;
}  // namespace ledger_internal

struct CheckpointOptions {
  // The gate's key; no checkpoints are signed when null. Must outlive the
  // ledger.
  const crypto::SigningKey* key = nullptr;
  // Sign when a tenant has this many entries past its latest checkpoint.
  uint64_t every_entries = 1000;
  // SignCheckpoints signs when a tenant's latest checkpoint is this old and
  // entries follow it.
  absl::Duration every_interval = absl::Seconds(60);
};

// Told how long appends and group writes take, for metrics. Called on the
// writing thread, some calls with the ledger's lock held: implementations
// must be thread-safe, must only count, and must not call the ledger.
class LedgerObserver {
 public:
  virtual ~LedgerObserver() = default;
  // An Append or AppendAsync was answered `elapsed` after it was called.
  virtual void OnAppended(absl::Duration elapsed) = 0;
  // One group commit wrote `entries` drafts in one write (synced unless
  // `sync` is off) that took `elapsed`.
  virtual void OnGroupWritten(absl::Duration elapsed, size_t entries) = 0;
  // `tenant`'s chain now ends, durably, at `sequence`: its entries up to
  // there can be read. Called once per tenant a group moved, with the
  // ledger's lock held (for the activity stream, gate/activity_feed.h).
  virtual void OnAdvanced(absl::string_view tenant, uint64_t sequence) {}
  // A group wrote `writes` appends whose caller's deadline had passed when
  // the group began recording (issue 15, item 5). Never called while
  // abandoned appends are skipped, as they are: evidence, from the place
  // where the ledger decides what to write, that none slipped through.
  virtual void OnRecordedPastDeadline(size_t writes) {}
};

// Told when a checkpoint is durable (after the group that signed it was
// written and its chain states published, so Head and PutStateSnapshot see
// the chain through `size`), e.g. to write a state snapshot with it. Called
// on the writing thread without the ledger's lock: must be quick (queue the
// work) and must not call the ledger's blocking operations.
class CheckpointListener {
 public:
  virtual ~CheckpointListener() = default;
  virtual void OnCheckpointed(const std::string& tenant, uint64_t size) = 0;
};

// A snapshot of state derived from a chain (the gate's, gate/state_snapshot.h)
// as stored beside it: the sequence it covers and its plaintext.
struct StoredSnapshot {
  uint64_t sequence = 0;
  std::string data;
};

struct LedgerOptions {
  // Sync the write-ahead log before acknowledging: survives a machine
  // crash. Without it, acknowledged entries survive a process crash only.
  bool sync = true;
  // The most bytes one group commit gathers before writing.
  size_t max_group_bytes = 4 << 20;
  CheckpointOptions checkpoints;
  // The time written into checkpoints and prune records. Required with a
  // checkpoint key; must outlive the ledger.
  const Clock* clock = nullptr;
  // Master keys for payload sealing, oldest first (the last is current).
  // Null or empty: payloads are stored unsealed, which is refused for a
  // tenant whose payloads are already sealed.
  std::shared_ptr<const std::vector<crypto::MasterKey>> master_keys;
  // Where each tenant's latest checkpoint is also kept, outside the store
  // (checkpoint_files.h); none when null. Written after the group that
  // signs it is durable, and only with `sync` (a checkpoint kept outside
  // must never be ahead of what survives a machine crash). At open, a
  // tenant whose chain is behind its kept checkpoint, or differs from it,
  // is refused. Must outlive the ledger.
  const CheckpointFiles* checkpoint_files = nullptr;
  // Refuse, at open, a tenant behind or unlike its kept checkpoint. Only
  // `portcullis ledger recover` turns it off, to record the loss.
  bool check_kept_checkpoints = true;
  // At open, rotate (recorded, RotatePayloadKey) each tenant whose payload
  // key derives from a master key that is no longer the current one. Off
  // only for a reader on a read-only store, which never appends (an append
  // for such a tenant is refused).
  bool rotate_retired_keys = true;
  // Told append and write times; null for none. Must outlive the ledger.
  LedgerObserver* observer = nullptr;
  // Threads that seal a group's payloads beside the writer leading it:
  // sealing is about half of the commit path's serial work per entry, and
  // each payload can be sealed once its sequence is known. -1: one per
  // hardware thread beyond the first, at most 7; 0: the leader seals alone.
  int seal_threads = -1;
  // Threads that answer asynchronous appenders (run their callbacks: in the
  // gate, settling each decision and finishing its gRPC call) once their
  // group is durable, while the commit thread leads the next group. A group
  // with one asynchronous writer is answered by the thread that led it
  // (the commit thread, or the caller leading in place), so one caller at
  // a time pays no hand-off. -1: one per two hardware
  // threads beyond the first two, at most 4 (none on two cores, where the
  // threads would only take turns with the commit thread); 0: the commit
  // thread answers.
  int answer_threads = -1;
  // An AppendAsync that finds the commit queue empty (no group being
  // built or written, nobody waiting) leads its group on the calling
  // thread, as a blocking Append does, and is answered there before it
  // returns: one caller at a time pays no wake-up of the commit thread and
  // no hand-off back (issue 22, part 5). The calling thread is blocked for
  // that group's write; only one caller leads this way at a time, since
  // every AppendAsync that arrives meanwhile finds the queue busy and
  // queues for the commit thread as before. An AppendAsync made from an
  // append's callback always queues. Off: every asynchronous writer is led
  // by the commit thread.
  bool lead_in_place = true;
  // An AppendAsync that queues behind a group being built or written seals
  // its own payloads on the calling thread before it returns, for the
  // sequences they will take if every writer queued before it is written;
  // the leader then only chains them, and seals again any payload whose
  // sequence turned out different (issue 22, part 1). So sealing, about
  // half of the serial work per decision, is done by the callers in
  // parallel while they wait. Not by a caller answering a callback (an
  // AppendAsync from `done` queues and the leader seals), nor by one that
  // finds the queue empty. Off: the leader (and seal_threads) seal every
  // payload.
  bool seal_by_callers = true;
  // The replica this ledger belongs to, when several gates serve the same
  // agents, each with its own ledger (docs/shared-state.md): every entry
  // appended names it (entry version 3, covered by the entry's hash), and
  // every checkpoint signed carries it in a `replica` line. The ledger
  // keeps the name in its store the first time it is opened with one, and
  // from then on belongs to that replica: opened with another name, Open
  // returns FailedPrecondition (two replicas never write one ledger);
  // opened with none (the offline commands, `portcullis ledger ...`), it
  // goes on naming the stored one. Empty, on data that names no replica:
  // entries name none (version 2), as a lone gate writes them. Open
  // returns InvalidArgument for a name ValidateReplicaName refuses.
  std::string replica;
  // With `replica` empty: the name the ledger takes when it keeps none yet
  // (the daemon's default, the host name, when sharedState is set). Unlike
  // `replica`, it gives way to a stored name, since a Deployment's pods
  // are renamed on every restart while their ledger volume stays.
  std::string default_replica;
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

// A tenant's latest signed checkpoint, as the ledger holds it in memory
// (for the console's ledger health, docs/console.md).
struct CheckpointMark {
  uint64_t size = 0;  // entries 1..size are covered
  absl::Time time;    // when the gate signed it
};

struct TenantRefusal {
  std::string tenant;
  std::string reason;  // a sentence an operator can act on
};

// Entries stored past a chain's head (a torn write, or entries added
// behind the gate's back), removed by DropEntriesPastHeads and recorded by
// Ledger::RecordDropped.
struct DroppedEntries {
  std::string tenant;
  uint64_t kept_through = 0;     // the chain ended here after the salvage
  uint64_t dropped_from = 0;     // the first entry removed
  uint64_t dropped_through = 0;  // the last entry removed
  uint64_t recorded_at = 0;      // the "ledger.recovered" entry
};

// `portcullis ledger recover`, on a store no ledger has open, before
// Ledger::Open: for each chain, keeps its entries up to its head record
// (or, with none, those from 1 that verify, and writes a head for them)
// and deletes the entries stored past it, with their payloads and
// indexes, so that the start-up check no longer refuses the chain for
// them. A chain whose head is damaged otherwise is left alone. Returns
// what was removed (recorded_at 0); Unavailable when the store fails.
absl::StatusOr<std::vector<DroppedEntries>> DropEntriesPastHeads(
    KeyValueStore& store);

// A chain found behind its kept checkpoint and recorded by RecordLosses.
struct RecoveredChain {
  std::string tenant;
  uint64_t chain_end = 0;    // the last entry that survived
  uint64_t kept_size = 0;    // what the kept checkpoint covered
  uint64_t recorded_at = 0;  // the "ledger.recovered" entry
};

struct PruneResult {
  uint64_t pruned_through = 0;  // payloads of entries 1..this are gone
  uint64_t newly_pruned = 0;    // how many this call removed
};

class Ledger {
 public:
  // Receives what Append would have returned.
  using AppendCallback =
      absl::AnyInvocable<void(absl::StatusOr<std::vector<Appended>>) &&>;
  // Whether the caller of an AppendAsync has given up (its deadline
  // passed). Asked once, under the ledger's lock, when the append reaches
  // the front of the queue: must be quick and must not call the ledger.
  using Abandoned = absl::AnyInvocable<bool() const>;

  // Opens the ledger on `store`, loads and checks each tenant (refusing
  // the ones that fail). Returns InvalidArgument for inconsistent options,
  // Unavailable when the store cannot be read.
  static absl::StatusOr<std::unique_ptr<Ledger>> Open(
      std::unique_ptr<KeyValueStore> store, LedgerOptions options = {});

  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;
  // Waits for the asynchronous appends already queued.
  ~Ledger();

  // Appends `drafts` in order, atomically, each to its tenant's chain, and
  // returns their sequences and hashes once durable.
  //
  // Returns InvalidArgument for a malformed draft (bad tenant id or kind,
  // a digest that is not 32 bytes), FailedPrecondition for a refused
  // tenant or one whose payloads cannot be sealed, and Unavailable when
  // the storage fails; in every case nothing is appended.
  absl::StatusOr<std::vector<Appended>> Append(std::vector<EntryDraft> drafts)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Append without waiting: `done` is called exactly once with what Append
  // would return. Drafts refused up front are answered on the calling
  // thread before AppendAsync returns. So is an append that finds the
  // queue empty and leads its own group (LedgerOptions::lead_in_place):
  // AppendAsync then returns once it is written and answered, so the
  // caller must hold no lock that `done` takes. The others are answered
  // once their group is written, on the ledger's commit thread or, for a
  // group of two or more, on an answering thread
  // (LedgerOptions::answer_threads). Callbacks of one group run in queue
  // order, after its writers are released; two groups' callbacks may run
  // out of group order. `done` must be quick and must not call the blocking
  // operations (Append, SignCheckpoints, Prune, DeleteTenant): the queue
  // may be waiting for the thread running it. AppendAsync it may call (it
  // then queues, never leads in place).
  //
  // When `abandoned` is given and says so as the append reaches the front
  // of the queue, nothing is written and `done` gets DeadlineExceeded: no
  // record for a caller that gave up while queued (issue 15, item 5).
  void AppendAsync(std::vector<EntryDraft> drafts, AppendCallback done,
                   Abandoned abandoned = nullptr) ABSL_LOCKS_EXCLUDED(mu_);

  // The head of `tenant`'s chain, or nullopt when it has no entries.
  std::optional<ChainHead> Head(absl::string_view tenant) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Every tenant with at least one entry, sorted (refused ones included).
  std::vector<std::string> Tenants() const ABSL_LOCKS_EXCLUDED(mu_);

  // The tenants refused at open, sorted, with the reason.
  std::vector<TenantRefusal> Refusals() const ABSL_LOCKS_EXCLUDED(mu_);

  // `tenant`'s latest signed checkpoint, or nullopt when none was signed
  // (or found at open). From memory: constant time, no store read.
  std::optional<CheckpointMark> LatestCheckpoint(absl::string_view tenant) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Calls `visit` with each entry of `tenant` (plaintext payload included;
  // absent when pruned) from sequence `from` upwards, or from the head
  // downwards when `reverse`, until it returns false. Returns DataLoss for
  // an entry or payload that does not decode or open, FailedPrecondition
  // when its master key is not configured.
  absl::Status Read(absl::string_view tenant, uint64_t from, bool reverse,
                    absl::FunctionRef<bool(const Entry&)> visit) const;

  // Calls `visit` with each entry of `tenant` whose decision_id is
  // `decision_id`, in sequence order, until it returns false. Returns
  // InvalidArgument for a malformed tenant or decision id.
  absl::Status ReadDecision(absl::string_view tenant,
                            absl::string_view decision_id,
                            absl::FunctionRef<bool(const Entry&)> visit) const;

  // The latest entry of `kind` in `tenant`'s chain appended with
  // index_latest (payload included), or nullopt when there is none.
  // Constant time however long the chain.
  absl::StatusOr<std::optional<Entry>> Latest(absl::string_view tenant,
                                              absl::string_view kind) const;

  // Signs a checkpoint at the head of every tenant with entries past its
  // latest checkpoint, when that checkpoint is at least every_interval old
  // (or always, with `force`, e.g. at shutdown). Returns how many were
  // signed; FailedPrecondition without a checkpoint key, Unavailable when
  // the store fails.
  absl::StatusOr<int> SignCheckpoints(bool force) ABSL_LOCKS_EXCLUDED(mu_);

  // Starts a new payload key version for `tenant`; later entries are
  // sealed with it, earlier ones stay readable. Recorded: the new version's
  // key record and the entry that `record` returns for it (on `tenant`'s
  // chain, sealed with the new key; see KeyRotationRecord) are written in
  // one batch, so a rotation that cannot be recorded does not happen
  // (record, then apply). Returns the new version; FailedPrecondition
  // without master keys or for a refused tenant, InvalidArgument for a
  // record on another chain, Unavailable when the store refuses the batch
  // (and no new version exists).
  //
  // The only way a tenant's key changes: Open rotates through it too, for
  // each tenant whose current version derives from a master key that is
  // no longer the current one (KeyRotationTrigger::kMasterKeyChange).
  absl::StatusOr<uint32_t> RotatePayloadKey(
      absl::string_view tenant,
      absl::FunctionRef<EntryDraft(uint32_t version)> record)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Retention: removes the payloads of `tenant`'s entries from the first
  // up to (not including) the first entry recorded at or after `cutoff`,
  // and records "ledger.pruned" on its chain in the same batch. The chain,
  // the tree and the checkpoints still verify; the verifier reports the
  // payloads as pruned. A no-op (nothing recorded) when nothing is due.
  // FailedPrecondition for a refused tenant, NotFound for an unknown one.
  absl::StatusOr<PruneResult> Prune(absl::string_view tenant, absl::Time cutoff)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Deletes `tenant`: every entry, payload, index, checkpoint and payload
  // key record, then purges them from the live database files so its
  // payloads cannot be recovered even with the master key
  // (crypto-shredding). Records "tenant.deleted" (tenant, size, head hash,
  // Merkle root) on the ledger's own chain "_ledger". NotFound for an
  // unknown tenant.
  absl::Status DeleteTenant(absl::string_view tenant) ABSL_LOCKS_EXCLUDED(mu_);

  // After a salvage (`portcullis ledger recover`), on a ledger opened with
  // a checkpoint key, checkpoint files and check_kept_checkpoints off: for
  // each chain behind its kept checkpoint, records "ledger.recovered" on
  // it — which entries were lost, and the kept checkpoint's head hash, root
  // and time as evidence of what they were — then signs a checkpoint over
  // the recovered chain and keeps it, so that the gate serves the chain
  // again with the loss on the record. `reason` (e.g. the damaged file) is
  // recorded too. Returns the chains recorded, none when nothing was lost.
  // FailedPrecondition without a key or checkpoint files; Unavailable when
  // the store fails.
  absl::StatusOr<std::vector<RecoveredChain>> RecordLosses(
      absl::string_view reason) ABSL_LOCKS_EXCLUDED(mu_);

  // After DropEntriesPastHeads, on a ledger opened as for RecordLosses:
  // records "ledger.recovered" on each chain in `dropped` — which entries
  // were removed, and `reason` — sets each recorded_at, and signs a
  // checkpoint over the chains. Errors as RecordLosses.
  absl::Status RecordDropped(std::vector<DroppedEntries>& dropped,
                             absl::string_view reason) ABSL_LOCKS_EXCLUDED(mu_);

  // False from a group the store failed to write (a full disk) until
  // Resume succeeds. Lock-free: for health checks.
  bool writable() const { return !write_failing_.load(); }

  // Tries to make the store writable again (KeyValueStore::Resume) after
  // writes failed: OK once it is (writable() is then true), Unavailable
  // while it is not. Appends keep failing, and nothing is acknowledged,
  // until it is. Takes its turn in the commit queue, so no group writes
  // while the store reopens. Then every chain is compared with the one
  // acknowledged: a tenant whose stored chain moved (a failed write that
  // still reached the disk) is refused (Refusals) until a restart.
  absl::Status Resume() ABSL_LOCKS_EXCLUDED(mu_);

  // State snapshots: one per tenant, written beside the chain (sealed like
  // payloads when sealing is on), deleted with the tenant. The ledger only
  // stores them: the writer binds a snapshot to the chain (it records the
  // hash of entry `sequence`) and the reader checks that. Not synced: a
  // snapshot lost in a crash only makes the next start-up replay more.
  // InvalidArgument for a bad tenant id or a sequence beyond the chain's
  // head (or 0), NotFound for an unknown tenant, Unavailable when the
  // store fails.
  absl::Status PutStateSnapshot(absl::string_view tenant, uint64_t sequence,
                                absl::string_view data)
      ABSL_LOCKS_EXCLUDED(mu_, snapshot_mu_);
  // The tenant's stored snapshot, nullopt when there is none. DataLoss when
  // it is damaged or does not open (callers fall back to a full replay).
  absl::StatusOr<std::optional<StoredSnapshot>> GetStateSnapshot(
      absl::string_view tenant) const;
  // Payloads of entries 1..this were pruned by retention (0: none).
  uint64_t PrunedThrough(absl::string_view tenant) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // Tells `listener` (or nobody, when null) of every checkpoint from now
  // on. Returns once no call to the previous listener is running.
  void SetCheckpointListener(CheckpointListener* listener)
      ABSL_LOCKS_EXCLUDED(listener_mu_);

  // The commit path's serial work so far (issue 22): what the writer
  // leading a group does while no other group can proceed (taking the
  // queue, chaining, sealing and signing the batch, settling the chain
  // states, handing on the lead) plus answering asynchronous callers on the
  // commit thread (a caller leading in place answers itself after handing
  // on the lead, which is not serial); the store's write and sync are
  // counted apart. Divided by
  // `entries`, the serial time per decision. For benchmarks.
  struct CommitStats {
    uint64_t groups = 0;
    uint64_t entries = 0;
    absl::Duration serial;
    // The CPU time the leaders spent in `serial`: what it would be on a
    // machine where the leader is never preempted (on two cores the
    // callers' threads take turns with it, and `serial` counts those
    // turns too).
    absl::Duration serial_cpu;
    absl::Duration write;
    // Entries whose payload was sealed ahead, beside the leader
    // (LedgerOptions::seal_threads).
    uint64_t sealed_ahead = 0;
    // Entries whose payload their caller sealed while queued
    // (LedgerOptions::seal_by_callers).
    uint64_t sealed_by_callers = 0;
    // Groups whose asynchronous writers were answered on an answering
    // thread (LedgerOptions::answer_threads), not by the leader.
    uint64_t answered_aside = 0;
    // Groups led, and answered, by an AppendAsync's own caller
    // (LedgerOptions::lead_in_place).
    uint64_t led_in_place = 0;
  };
  CommitStats commit_stats() const;

  // The replica whose ledger this is (LedgerOptions::replica, or the name
  // stored in the ledger); empty for a lone gate's.
  const std::string& replica() const { return options_.replica; }

  // The underlying store, for verification.
  const KeyValueStore& store() const { return *store_; }
  const PayloadKeyring& keyring() const { return *keyring_; }

 private:
  struct Writer;
  // What an AppendAsync's caller seals while its writer is queued.
  struct CallerSeal;
  using States = absl::flat_hash_map<std::string, ledger_internal::ChainState>;

  Ledger(std::unique_ptr<KeyValueStore> store, LedgerOptions options);

  absl::Status Load() ABSL_LOCKS_EXCLUDED(mu_);
  // At open, after Load: rotates, recorded, the key of each tenant (not
  // refused) whose current version derives from a retired master key.
  absl::Status RotateRetiredKeys() ABSL_LOCKS_EXCLUDED(mu_);
  // Appends one of the ledger's own records, unsealed (kRecord).
  absl::StatusOr<Appended> AppendRecord(EntryDraft draft)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Checks `drafts` as Append does and picks each one's payload key.
  absl::Status Prepare(Writer& w) ABSL_LOCKS_EXCLUDED(mu_);
  // Queues `self` and, if it becomes the leader, commits a group. Returns
  // once `self` is done.
  void Commit(Writer& self) ABSL_LOCKS_EXCLUDED(mu_);
  // AppendAsync's writer `w`, prepared: queued for the commit thread or,
  // when the queue is empty and this thread is not answering a callback
  // (LedgerOptions::lead_in_place), led and answered here. One lock
  // acquisition either way.
  void CommitAsync(std::unique_ptr<Writer> w) ABSL_LOCKS_EXCLUDED(mu_);
  // Signals the writer now in front of the queue, if any, to lead.
  void HandOnLead() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Queues `w`, predicting the sequences its entries will take
  // (PredictSequences) when the ledger keeps queued_tail_.
  void Enqueue(Writer* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Per tenant, the sequence of the last entry queued.
  using QueuedTail = absl::flat_hash_map<std::string, uint64_t>;
  // Advances `tail` past `w`'s entries, as ChainWriter will if every writer
  // before it succeeds, and gives `seal` (if any) their sequences.
  void PredictSequences(const Writer& w, QueuedTail& tail, CallerSeal* seal)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // After a group: queued_tail_ again from states_ and the writers queued.
  void RepredictQueue() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // What the caller of AppendAsync would seal for `w` if it queues
  // (LedgerOptions::seal_by_callers); null when there is nothing to seal.
  std::shared_ptr<CallerSeal> CallerSealFor(const Writer& w) const;
  // Without the lock, on the caller's thread: seals `seal`'s payloads and
  // leaves them for the leader, unless it has taken the writer already.
  void SealForLeader(CallerSeal& seal) const;
  // After the store reopened: refuses each tenant whose stored chain is not
  // the one acknowledged. Called by the leader, without the lock.
  absl::Status ReloadAfterResume() ABSL_LOCKS_EXCLUDED(mu_);
  // What a committed group leaves for Complete.
  struct Committed;
  // Commits the group at the front of the queue and hands the lead on.
  // Returns the asynchronous writers it finished and the checkpoints it
  // made durable, for Complete.
  Committed CommitGroup() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Without the lock, once the group's chain states are published: tells
  // the checkpoint listener, then calls the finished writers back (an
  // AppendAsync they make queues). Touches nothing of the ledger once the
  // first callback runs, so that a caller answered in place may have the
  // ledger closed as soon as its answer arrives.
  void Complete(Committed committed) ABSL_LOCKS_EXCLUDED(mu_);
  // Whether this thread is running this ledger's callbacks (in Complete).
  bool Answering() const;
  // Complete on an answering thread when the group has two or more
  // asynchronous writers and one is free to queue it; else here.
  void Answer(Committed committed) ABSL_LOCKS_EXCLUDED(mu_);
  // The commit thread: leads while an asynchronous writer is in front.
  void CommitLoop() ABSL_LOCKS_EXCLUDED(mu_);
  // Whether the writer in front is one the commit thread leads.
  bool AsyncInFront() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Leader only, without the lock: chains, seals, checkpoints.
  // A checkpoint signed by a group, to keep outside the store once the
  // group is durable.
  struct SignedNote {
    std::string tenant;
    uint64_t size = 0;
    std::string note;  // empty when not kept outside
  };
  void BuildGroup(std::vector<Writer*>& group, States& states,
                  WriteBatch& batch, std::vector<SignedNote>& notes);
  // Seals the group's payloads side by side on seal_pool_, each for the
  // sequence ChainWriter will give it if every writer before it succeeds;
  // ChainWriter seals again any whose sequence turned out different.
  void SealAhead(const std::vector<Writer*>& group, const States& states,
                 crypto::NonceBatch& nonces);
  absl::Status ChainWriter(Writer& w, States& states, WriteBatch& batch,
                           crypto::NonceBatch& nonces);
  void SignDue(const Writer& w, absl::Time now, States& states,
               WriteBatch& batch, int& signed_count,
               std::vector<SignedNote>& notes);
  // Keeps `notes` outside the store. Best effort: a kept checkpoint that
  // is behind only detects less.
  void KeepOutside(const std::vector<SignedNote>& notes) const;
  // Tells the checkpoint listener about `notes`.
  void TellCheckpointed(const std::vector<SignedNote>& notes)
      ABSL_LOCKS_EXCLUDED(listener_mu_);
  absl::StatusOr<Entry> ReadEntry(absl::string_view tenant,
                                  uint64_t sequence) const;
  // Opens a stored payload into entry.payload.
  absl::Status OpenInto(Entry& entry,
                        const std::optional<std::string>& stored) const;

  const std::unique_ptr<KeyValueStore> store_;
  const LedgerOptions options_;
  std::unique_ptr<PayloadKeyring> keyring_;
  // Seals ahead for the leader; null when it seals alone.
  std::unique_ptr<ledger_internal::WorkerPool> seal_pool_;
  // Answers asynchronous appenders for the commit thread; null when it
  // answers them itself. Drained in ~Ledger, after the commit thread.
  std::unique_ptr<WorkThreads> answerers_;

  mutable absl::Mutex mu_;
  // Chain states change only under mu_ and only by the current leader.
  States states_ ABSL_GUARDED_BY(mu_);
  std::deque<Writer*> writers_ ABSL_GUARDED_BY(mu_);
  // Per tenant, the sequence its last queued entry will take if every
  // queued writer is written: the callers' prediction
  // (LedgerOptions::seal_by_callers). Advanced as writers queue, and
  // recomputed from states_ and the queue after each group, so a writer
  // that failed or was abandoned misleads only those queued beside it.
  QueuedTail queued_tail_ ABSL_GUARDED_BY(mu_);
  // Callers sealing outside the lock; ~Ledger waits for them.
  std::atomic<int> callers_sealing_{0};
  // Started by the first AppendAsync; waits on committer_cv_.
  std::thread committer_ ABSL_GUARDED_BY(mu_);
  absl::CondVar committer_cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> write_failing_{false};
  // CommitStats, in nanoseconds; added to by the leader only.
  std::atomic<uint64_t> stat_groups_{0};
  std::atomic<uint64_t> stat_entries_{0};
  std::atomic<int64_t> stat_serial_ns_{0};
  std::atomic<int64_t> stat_serial_cpu_ns_{0};
  std::atomic<uint64_t> stat_sealed_ahead_{0};
  std::atomic<uint64_t> stat_sealed_by_callers_{0};
  std::atomic<uint64_t> stat_answered_aside_{0};
  std::atomic<uint64_t> stat_led_in_place_{0};
  std::atomic<int64_t> stat_write_ns_{0};

  // Orders snapshot writes with tenant deletion.
  absl::Mutex snapshot_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex listener_mu_;
  CheckpointListener* listener_ ABSL_GUARDED_BY(listener_mu_) = nullptr;
};

// Checks a draft as Append does: InvalidArgument naming the field.
absl::Status ValidateDraft(const EntryDraft& draft);

// What a payload key rotation is recorded as, on its tenant's chain.
inline constexpr char kKeyRotatedKind[] = "ledger.key_rotated";

// Why a tenant's payload key version came into being.
enum class KeyRotationTrigger {
  kAdmin,            // Admin.RotatePayloadKey, with the gate running
  kOffline,          // `portcullis ledger rotate-key`, the gate stopped
  kMasterKeyChange,  // the ledger opened with a new current master key
};

// The entry that records version `version` of `tenant`'s payload key,
// indexed as the latest of its kind:
//   {"keyVersion":2,"trigger":"admin"|"offline"|"master-key-change",
//    "principal":"ops"}
// "principal" (who asked, for kAdmin) only when not empty; made printable
// ASCII without quotes or backslashes, at most 512 bytes.
EntryDraft KeyRotationRecord(std::string tenant, uint32_t version,
                             absl::Time time, KeyRotationTrigger trigger,
                             absl::string_view principal = "");

}  // namespace portcullis::ledger

#endif  // PORTCULLIS_LEDGER_LEDGER_H_
