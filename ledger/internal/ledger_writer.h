// Ledger::Writer: one caller in the commit queue, shared by the ledger's
// calls (ledger.cc) and its commit path (ledger_commit.cc).
#ifndef PORTCULLIS_LEDGER_INTERNAL_LEDGER_WRITER_H_
#define PORTCULLIS_LEDGER_INTERNAL_LEDGER_WRITER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "crypto/hash.h"
#include "ledger/ledger.h"

namespace portcullis::ledger {

// One caller waiting in the commit queue.
struct Ledger::Writer {
  // kRecord appends the ledger's own records: unsealed, like kPrune's.
  // kRotateKey writes a new payload key version's record with the entry
  // that records it (sealed with that version), alone in its group.
  // kResume writes nothing: it holds the lead while Resume reopens the
  // store, and is never part of a group.
  enum class Kind {
    kAppend,
    kRecord,
    kCheckpoint,
    kPrune,
    kDelete,
    kRotateKey,
    kResume
  };
  Kind kind = Kind::kAppend;
  std::vector<EntryDraft>* drafts = nullptr;
  std::vector<uint32_t> key_versions;  // per draft; 0 frames it unsealed
  // Per draft, when sealed ahead (SealAhead): for which sequence (0: not
  // sealed ahead), the stored payload and its digest.
  struct SealedAhead {
    uint64_t sequence = 0;
    std::string stored;
    crypto::Digest digest;
    bool by_caller = false;  // LedgerOptions::seal_by_callers
  };
  std::vector<SealedAhead> sealed_ahead;
  // Shared with the AppendAsync caller sealing this writer's payloads while
  // it waits; taken by the leader as it takes the writer into a group.
  std::shared_ptr<CallerSeal> caller_seal;
  bool force = false;                                   // kCheckpoint
  std::string tenant;                                   // kPrune, kDelete
  uint64_t prune_through = 0;                           // kPrune
  absl::Time cutoff;                                    // kPrune
  const PayloadKeyring::NewVersion* new_key = nullptr;  // kRotateKey
  std::vector<Appended> appended;
  int signed_count = 0;
  absl::Status status;
  bool done = false;
  absl::CondVar cv;  // a blocking caller waits here
  // An asynchronous writer (AppendAsync) owns its drafts and has no
  // waiting thread; the queue owns it until it is called back.
  bool async = false;
  // An asynchronous writer leading its own group on its caller's thread
  // (LedgerOptions::lead_in_place): the commit thread must not lead it.
  bool in_place = false;
  std::vector<EntryDraft> owned_drafts;
  AppendCallback on_done;
  Abandoned abandoned;  // may be empty
  // When an append was called, for LedgerOptions::observer.
  std::chrono::steady_clock::time_point called_at;
};

// The payloads an AppendAsync's caller seals while its writer is queued
// (LedgerOptions::seal_by_callers). Shared, since the writer may be written
// and answered, and freed, before its caller is done sealing.
struct Ledger::CallerSeal {
  struct Job {
    size_t draft;           // index in the writer's drafts
    uint64_t sequence = 0;  // predicted as the writer queued
    uint32_t key_version;
    std::string tenant;
    std::string payload;  // a copy: the writer's may be gone
  };
  // Filled before the writer is queued (the sequences under the ledger's
  // lock, as it queues); read only by the caller after that.
  std::vector<Job> jobs;
  size_t drafts = 0;

  absl::Mutex mu;
  // The leader took the writer into a group: too late to leave anything.
  bool taken ABSL_GUARDED_BY(mu) = false;
  // Per draft, what the caller sealed (sequence 0: not sealed).
  std::vector<Writer::SealedAhead> sealed ABSL_GUARDED_BY(mu);
};

}  // namespace portcullis::ledger

#endif  // PORTCULLIS_LEDGER_INTERNAL_LEDGER_WRITER_H_
