// Ledger::Writer: one caller in the commit queue, shared by the ledger's
// calls (ledger.cc) and its commit path (ledger_commit.cc).
#ifndef PORTCULLIS_LEDGER_INTERNAL_LEDGER_WRITER_H_
#define PORTCULLIS_LEDGER_INTERNAL_LEDGER_WRITER_H_

#include <chrono>
#include <cstdint>
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
  };
  std::vector<SealedAhead> sealed_ahead;
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

}  // namespace portcullis::ledger

#endif  // PORTCULLIS_LEDGER_INTERNAL_LEDGER_WRITER_H_
