// A KeyValueStore wrapper that injects the storage faults a trusted store
// must survive, on the Nth write or at random from a seed, in the manner of
// RocksDB's fault-injection file system and SQLite's I/O-error tests:
//
//   kWriteError    the write fails (Unavailable, as RocksDbStore reports an
//                  I/O error) and nothing of it lands.
//   kSyncError     a synced write reaches the file but its sync fails: the
//                  write fails and is not visible, but it survives the next
//                  reopen (Resume or Restart), as a write-ahead log record
//                  whose sync failed can be replayed. (An unsynced write
//                  fails as kWriteError.)
//   kPartialWrite  only a prefix of the batch lands (range deletes, then
//                  puts, then deletes, in the batch's order), then the
//                  store "crashes": this and every later call fails, reads
//                  included, until Restart().
//
// After a write or sync error the store refuses writes until Resume(), the
// way RocksDB stops on a background error. Thread-safe.
#ifndef PORTCULLIS_TESTS_TESTING_FAULT_INJECTING_STORE_H_
#define PORTCULLIS_TESTS_TESTING_FAULT_INJECTING_STORE_H_

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "tests/testing/forwarding_store.h"

namespace portcullis::testing {

class FaultInjectingStore final : public ForwardingStore {
 public:
  enum class Fault { kNone, kWriteError, kSyncError, kPartialWrite };

  static const char* Name(Fault f) {
    switch (f) {
      case Fault::kNone:
        return "none";
      case Fault::kWriteError:
        return "write error";
      case Fault::kSyncError:
        return "sync error";
      case Fault::kPartialWrite:
        return "partial write";
    }
    return "?";
  }

  using ForwardingStore::ForwardingStore;

  // Injects `fault` at the `n`th Write from now (1: the next one).
  void FailNth(int n, Fault fault) {
    absl::MutexLock lock(&mu_);
    countdown_ = n;
    planned_ = fault;
    one_in_ = 0;
  }
  // Injects one of `faults`, picked at random, into each Write with
  // probability 1/`one_in`, from `seed` (reproducible).
  void FailRandomly(uint64_t seed, int one_in, std::vector<Fault> faults) {
    absl::MutexLock lock(&mu_);
    rng_.seed(seed);
    one_in_ = one_in;
    random_faults_ = std::move(faults);
    countdown_ = 0;
  }
  // No more faults are planned.
  void Disarm() {
    absl::MutexLock lock(&mu_);
    countdown_ = 0;
    one_in_ = 0;
  }

  // The "crash" is over: the test reopens what sat on this store. Writes
  // whose sync failed land (replayed); the store works again.
  void Restart() {
    absl::MutexLock lock(&mu_);
    ReplayLocked();
    crashed_ = false;
    stopped_ = false;
  }

  // The faults injected so far, in order.
  std::vector<Fault> injected() const {
    absl::MutexLock lock(&mu_);
    return injected_;
  }
  bool crashed() const {
    absl::MutexLock lock(&mu_);
    return crashed_;
  }
  int writes() const {
    absl::MutexLock lock(&mu_);
    return writes_;
  }

  absl::Status Write(const ledger::WriteBatch& batch, bool sync) override {
    absl::MutexLock lock(&mu_);
    if (crashed_) return Crashed();
    if (stopped_) {
      return absl::UnavailableError(
          "ledger write: IO error: stopped after an injected error; resume");
    }
    ++writes_;
    Fault fault = Next();
    if (fault == Fault::kSyncError && !sync) fault = Fault::kWriteError;
    if (fault != Fault::kNone) injected_.push_back(fault);
    switch (fault) {
      case Fault::kNone:
        return inner().Write(batch, sync);
      case Fault::kWriteError:
        stopped_ = true;
        return absl::UnavailableError(
            "ledger write: IO error: injected write error");
      case Fault::kSyncError:
        stopped_ = true;
        unsynced_.push_back(batch);
        return absl::UnavailableError(
            "ledger write: IO error: injected sync error");
      case Fault::kPartialWrite: {
        ledger::WriteBatch prefix = Prefix(batch);
        if (!prefix.empty()) inner().Write(prefix, sync).IgnoreError();
        crashed_ = true;
        return absl::UnavailableError(
            "ledger write: IO error: injected partial write, then a crash");
      }
    }
    return absl::InternalError("unreachable");
  }

  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) const override {
    if (crashed()) return Crashed();
    return ForwardingStore::Get(key);
  }
  absl::Status Scan(
      absl::string_view begin, absl::string_view end, bool reverse,
      absl::FunctionRef<bool(absl::string_view, absl::string_view)> visit)
      const override {
    if (crashed()) return Crashed();
    return ForwardingStore::Scan(begin, end, reverse, visit);
  }
  // Like RocksDbStore's reopen: writes whose sync failed are replayed.
  absl::Status Resume() override {
    absl::MutexLock lock(&mu_);
    if (crashed_) return Crashed();
    ReplayLocked();
    stopped_ = false;
    return inner().Resume();
  }

 private:
  static absl::Status Crashed() {
    return absl::UnavailableError("ledger: IO error: the store crashed");
  }

  Fault Next() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (countdown_ > 0) {
      if (--countdown_ == 0) return planned_;
      return Fault::kNone;
    }
    if (one_in_ > 0 && !random_faults_.empty() &&
        std::uniform_int_distribution<int>(1, one_in_)(rng_) == 1) {
      return random_faults_[std::uniform_int_distribution<size_t>(
          0, random_faults_.size() - 1)(rng_)];
    }
    return Fault::kNone;
  }

  // The first half (rounded down, at least one operation when there are
  // two or more) of the batch's operations, in the order they apply.
  static ledger::WriteBatch Prefix(const ledger::WriteBatch& batch) {
    size_t total =
        batch.range_deletes.size() + batch.puts.size() + batch.deletes.size();
    size_t keep = total / 2;
    ledger::WriteBatch prefix;
    for (const auto& r : batch.range_deletes) {
      if (keep == 0) return prefix;
      prefix.range_deletes.push_back(r);
      --keep;
    }
    for (const auto& p : batch.puts) {
      if (keep == 0) return prefix;
      prefix.puts.push_back(p);
      --keep;
    }
    for (const auto& d : batch.deletes) {
      if (keep == 0) return prefix;
      prefix.deletes.push_back(d);
      --keep;
    }
    return prefix;
  }

  void ReplayLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (const ledger::WriteBatch& b : unsynced_) {
      inner().Write(b, true).IgnoreError();
    }
    unsynced_.clear();
  }

  mutable absl::Mutex mu_;
  int countdown_ ABSL_GUARDED_BY(mu_) = 0;
  Fault planned_ ABSL_GUARDED_BY(mu_) = Fault::kNone;
  int one_in_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Fault> random_faults_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  bool crashed_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  int writes_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Fault> injected_ ABSL_GUARDED_BY(mu_);
  std::vector<ledger::WriteBatch> unsynced_ ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_FAULT_INJECTING_STORE_H_
