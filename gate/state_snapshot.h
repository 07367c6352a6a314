// State snapshots (issue 15): what a tenant's chain says, up to one entry,
// about the gate's rebuilt state — limit charges, decisions that were
// pending approval, the latest execution of each idempotency key — so that
// start-up replays only the entries after it instead of every entry within
// the recovery windows.
//
// TenantProjection is that fold over a chain's entries. Recovery starts it
// from a stored snapshot (or empty, walking back over the windows), folds
// the tail, and materializes it into a TenantBook; the StateSnapshotter
// keeps folding in the background and stores a snapshot with the ledger's
// checkpoints. Materializing applies the same windows and the same rules
// (LoadDecision for pending requests, the latest halt) as a full replay,
// so both give the same state.
//
// A stored snapshot is bound to its chain: it names its tenant, the entry
// it covers and that entry's hash, the retention point and the windows it
// was taken with. One that does not match the ledger, is of an unknown
// version or does not decode is ignored (recovery replays in full).
#ifndef PORTCULLIS_GATE_STATE_SNAPSHOT_H_
#define PORTCULLIS_GATE_STATE_SNAPSHOT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gate/decision_state.h"
#include "gate/records.h"
#include "gate/tenant_state.h"
#include "gate/usage_counters.h"
#include "ledger/ledger.h"

namespace portcullis::gate {

namespace gate_internal {
class TenantBook;  // gate/internal/tenant_book.h
}  // namespace gate_internal

struct RecoveryWindows {
  absl::Duration limits;       // the longest limit window policies may use
  absl::Duration approvals;    // the longest approval expiry
  absl::Duration idempotency;  // how long idempotency keys are remembered
  // The approver fatigue cap's window; zero when there is no cap.
  absl::Duration fatigue = absl::ZeroDuration();
};

// A stored snapshot, decoded (RecordCodec::EncodeSnapshot).
struct StateSnapshot {
  // 2: standing approvals (issue 21); 3: approvers' signatures for the
  // fatigue cap. An older snapshot lacks them and is ignored: start-up
  // replays in full.
  static constexpr uint32_t kVersion = 3;

  uint32_t version = kVersion;
  std::string tenant;
  uint64_t sequence = 0;   // entries 1..sequence are folded in
  std::string entry_hash;  // the hash of entry `sequence`, 32 bytes
  uint64_t pruned_through = 0;
  absl::Time taken_at;
  RecoveryWindows windows;

  std::vector<UsageCounters::SeriesEvents> usage;
  struct Pending {
    std::string decision_id;
    absl::Time evaluated_at;
  };
  std::vector<Pending> pending;
  struct Executed {
    std::string idempotency_key;
    uint64_t sequence = 0;
    absl::Time at;
    std::string payload;  // the "action.executed" entry's payload
  };
  std::vector<Executed> executed;
  struct Standing {
    std::string id;
    uint64_t sequence = 0;  // its "standing.granted" entry
    std::string payload;    // that entry's payload
    absl::Time not_after;
    uint32_t uses = 0;
    bool revoked = false;
    std::string revoked_by;
  };
  std::vector<Standing> standing;
  // When each approver signed an approving verdict or a standing approval
  // of this tenant, within the fatigue window, oldest first.
  struct Signatures {
    std::string approver;
    std::vector<absl::Time> at;
  };
  std::vector<Signatures> signatures;
};

class TenantProjection {
 public:
  TenantProjection() = default;
  explicit TenantProjection(uint64_t pruned_through)
      : pruned_through_(pruned_through) {}

  // Folds `entry`, the next one of the chain (sequence() + 1), whose
  // payload decodes to `record` (nullptr for kinds that do not matter or
  // a pruned payload).
  void Fold(const ledger::Entry& entry, const Record* record);
  // What Fold does with each kind of fact, for a backward walk that
  // collected them (call in sequence order).
  void Charge(const std::vector<policy::UsageCharge>& charges, absl::Time at) {
    usage_.Charge(charges, at);
  }
  void AddPending(std::string decision_id, absl::Time at) {
    pending_[std::move(decision_id)] = at;
  }
  void AddExecuted(std::string key, uint64_t sequence, absl::Time at,
                   std::string payload) {
    executed_[std::move(key)] = {sequence, at, std::move(payload)};
  }
  // Standing approvals: granted (with the grant entry's payload), revoked,
  // and one use (an ALLOW that cites it).
  void AddStanding(std::string id, uint64_t sequence, absl::Time not_after,
                   std::string payload) {
    standing_[std::move(id)] = {sequence, std::move(payload), not_after};
  }
  void RevokeStanding(const std::string& id, std::string by) {
    auto it = standing_.find(id);
    if (it == standing_.end()) return;
    it->second.revoked = true;
    it->second.revoked_by = std::move(by);
  }
  void UseStanding(const std::string& id) {
    auto it = standing_.find(id);
    if (it != standing_.end()) ++it->second.uses;
  }
  // An approving signature of `approver` at `at`, for the fatigue cap: an
  // approve verdict or a standing approval (call in time order).
  void AddSignature(const std::string& approver, absl::Time at) {
    signatures_[approver].push_back(at);
  }
  // Marks entries through `sequence` (ending with `hash`) folded without
  // looking at them: for a backward walk that folded what mattered.
  void SetCovered(uint64_t sequence, const crypto::Digest& hash) {
    sequence_ = sequence;
    hash_ = hash;
  }

  // Forgets what has left `windows` by `now`, and, with a ledger, the
  // decisions no longer pending (a resolved request never reopens).
  absl::Status Trim(absl::Time now, const RecoveryWindows& windows,
                    const ledger::Ledger* ledger, const RecordCodec& codec,
                    absl::string_view tenant);

  // Fills `book` as a full replay at `now` would.
  absl::Status Materialize(const ledger::Ledger& ledger,
                           const RecordCodec& codec, absl::string_view tenant,
                           absl::Time now, const RecoveryWindows& windows,
                           gate_internal::TenantBook& book) const;

  StateSnapshot ToSnapshot(absl::string_view tenant, absl::Time now,
                           const RecoveryWindows& windows) const;
  static TenantProjection FromSnapshot(const StateSnapshot& snapshot);

  uint64_t sequence() const { return sequence_; }
  const crypto::Digest& hash() const { return hash_; }
  // Approver id -> the times of their approving signatures, oldest first
  // (after Trim: within the fatigue window).
  const std::map<std::string, std::vector<absl::Time>>& signatures() const {
    return signatures_;
  }
  uint64_t pruned_through() const { return pruned_through_; }

 private:
  struct Executed {
    uint64_t sequence = 0;
    absl::Time at;
    std::string payload;
  };

  struct Standing {
    uint64_t sequence = 0;
    std::string payload;
    absl::Time not_after;
    uint32_t uses = 0;
    bool revoked = false;
    std::string revoked_by;
  };

  uint64_t sequence_ = 0;
  crypto::Digest hash_{};
  uint64_t pruned_through_ = 0;
  UsageCounters usage_;
  std::map<std::string, absl::Time> pending_;  // decision id -> evaluated
  std::map<std::string, Executed> executed_;   // idempotency key -> latest
  std::map<std::string, Standing> standing_;   // standing approval id
  std::map<std::string, std::vector<absl::Time>> signatures_;  // approver
};

// The approver whose approving signature `record` is, if it is one: an
// approve verdict (final or a vote toward a quorum) or a standing
// approval. The fatigue cap counts exactly these.
const std::string* ApprovingSigner(const Record& record);

// The standing approvals a decision cites ("standing:<id>"): the ones it
// used.
std::vector<std::string> CitedStanding(const policy::Verdict& verdict);

// True for the kinds a projection reads (others are folded unread).
bool ProjectionReads(absl::string_view kind);

// Decodes `entry`'s payload: DataLoss naming the entry when it does not.
absl::Status DecodeEntry(const RecordCodec& codec, const ledger::Entry& entry,
                         Record& out);

// The hash of `tenant`'s entry `sequence`, nullopt when it cannot be read.
std::optional<crypto::Digest> EntryHash(const ledger::Ledger& ledger,
                                        absl::string_view tenant,
                                        uint64_t sequence);

// What a stored snapshot was (for the start-up log line).
struct SnapshotLoad {
  std::optional<TenantProjection> projection;  // none: replay in full
  std::string problem;  // why it was ignored; empty when none was stored
};

// Loads and checks `tenant`'s stored snapshot against the ledger and the
// windows in force. Never fails: a problem is reported in `problem`.
SnapshotLoad LoadSnapshot(const ledger::Ledger& ledger,
                          const RecordCodec& codec, absl::string_view tenant,
                          const RecoveryWindows& windows);

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_STATE_SNAPSHOT_H_
