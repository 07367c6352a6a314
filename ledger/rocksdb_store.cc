#include "ledger/rocksdb_store.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "ledger/internal/keys.h"
#include "rocksdb/db.h"
#include "rocksdb/listener.h"
#include "rocksdb/options.h"
#include "rocksdb/perf_level.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/transaction_log.h"
#include "rocksdb/write_batch.h"

namespace portcullis::ledger {
namespace {

rocksdb::Slice ToSlice(absl::string_view s) { return {s.data(), s.size()}; }
absl::string_view ToView(const rocksdb::Slice& s) {
  return {s.data(), s.size()};
}

// The one conversion from rocksdb::Status to absl::Status.
absl::Status FromRocksDb(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNoSpace()) {
    // RocksDB's message names a file of the data directory, which is not
    // for the callers that see this.
    return absl::UnavailableError(
        absl::StrCat(what, ": no space left on the ledger's disk"));
  }
  std::string message = absl::StrCat(what, ": ", s.ToString());
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  if (s.IsNotSupported()) return absl::FailedPreconditionError(message);
  return absl::UnavailableError(message);
}

// Names each key's insertion run (ledger_internal::InsertionRunLength) for
// RocksDB's memtable insert hints: an append's entry and tree nodes each
// land right after the previous ones of their run, where a search from
// the top of a large skip list costs a cache miss per level.
class InsertionRun final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "portcullis.InsertionRun"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return {key.data(), ledger_internal::InsertionRunLength(ToView(key))};
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return ledger_internal::InsertionRunLength(ToView(key)) > 0;
  }
};

// RocksDB's own messages, kept in memory instead of LOG files beside the
// data: a LOG file is one more write that fails on a full disk (where
// Debian's RocksDB 7.8 asserts in its info-log writer) and one more file on
// every start. Only warnings and errors are kept, the last kKept of them,
// so that a refused open can say which file is damaged and how much.
class RecentMessages final : public rocksdb::Logger {
 public:
  static constexpr size_t kKept = 32;

  RecentMessages() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}

  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format,
            va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char line[512];
    std::vsnprintf(line, sizeof line, format, ap);
    absl::MutexLock lock(&mu_);
    if (lines_.size() == kKept) lines_.pop_front();
    lines_.emplace_back(line);
  }

  // The newest kept message that contains `needle`, or "".
  std::string Find(absl::string_view needle) const {
    absl::MutexLock lock(&mu_);
    for (auto it = lines_.rbegin(); it != lines_.rend(); ++it) {
      if (absl::StrContains(*it, needle)) return *it;
    }
    return "";
  }

 private:
  mutable absl::Mutex mu_;
  std::deque<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

// Why an open failed, for a person: a damaged write-ahead log is named
// with what RocksDB said about it.
absl::Status OpenFailure(const rocksdb::Status& s, const std::string& dir,
                         const RecentMessages& messages) {
  absl::Status status =
      FromRocksDb(s, absl::StrCat("cannot open ledger at ", dir));
  if (!s.IsCorruption()) return status;
  std::string wal = messages.Find(".log: dropping");
  if (wal.empty()) return status;
  return absl::DataLossError(absl::StrCat(
      "the ledger at ", dir, " has a damaged write-ahead log (", wal,
      "): it is not opened, so that no recorded entry is silently dropped; "
      "`portcullis ledger recover --data ",
      dir,
      "` salvages the entries before the damage and records what was lost"));
}

// RocksDB counts key comparisons and more in thread-local perf counters
// unless told not to; nothing here reads them. The level is per thread, so
// each operation sets it on the thread it runs on.
void DisablePerfCounters() {
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
}

// Turns off RocksDB's own recovery from a background error. On a full
// disk RocksDB 7.8 hands recovery to its SstFileManager, which waits for
// free space of a whole write buffer (64 MiB) and checks every 5 s, and
// meanwhile DB::Resume answers Busy; and a DB::Resume with nothing to
// flush leaves the failed write-ahead log in place, so the next write
// asserts. RocksDbStore::Resume reopens the database instead, which starts
// a new log.
class NoAutoRecovery final : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason,
                            rocksdb::Status bg_error,
                            bool* auto_recovery) override {
    bg_error.PermitUncheckedError();
    *auto_recovery = false;
  }
};

// The bytes free for unprivileged writers on the file system of `dir`.
absl::StatusOr<uint64_t> FreeBytes(const std::string& dir) {
  struct statvfs fs;
  if (::statvfs(dir.c_str(), &fs) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot read the free space of the ledger's disk: ",
                     std::strerror(errno)));
  }
  return static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
}

// Unavailable, saying how much is free, when fewer than `needed` bytes are.
absl::Status CheckFreeSpace(const std::string& dir, uint64_t needed,
                            absl::string_view what) {
  if (needed == 0) return absl::OkStatus();
  PORTCULLIS_ASSIGN_OR_RETURN(uint64_t free, FreeBytes(dir));
  if (free >= needed) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(
      what, ": the ledger's disk has ", free / 1024, " KiB free, and ",
      needed / 1024, " KiB are needed (ledger.minFreeMib); free space"));
}

}  // namespace

struct RocksDbStore::Db {
  std::string dir;
  rocksdb::Options options;
  uint64_t min_free_bytes = 0;
  bool read_only = false;
  std::shared_ptr<RecentMessages> messages;
  // Each operation takes a reference to the database for its duration (a
  // lock held across a Scan would be taken again by reads in its visitor);
  // Resume swaps it out, waits for those references to go, and reopens.
  mutable absl::Mutex mu;
  // Null while Resume reopens it, and after a reopen that failed.
  std::shared_ptr<rocksdb::DB> db ABSL_GUARDED_BY(mu);
  // Serializes Resume.
  absl::Mutex resume_mu;
  // Set by a failed write, cleared by a successful Resume.
  std::atomic<bool> write_failed{false};

  std::shared_ptr<rocksdb::DB> Current() const ABSL_LOCKS_EXCLUDED(mu) {
    absl::MutexLock lock(&mu);
    return db;
  }
  void Set(rocksdb::DB* raw) ABSL_LOCKS_EXCLUDED(mu) {
    std::shared_ptr<rocksdb::DB> opened(raw, [](rocksdb::DB* d) {
      d->Close().PermitUncheckedError();  // a failed log cannot sync
      delete d;
    });
    absl::MutexLock lock(&mu);
    db = std::move(opened);
  }
};

namespace {

absl::Status Closed() {
  return absl::UnavailableError(
      "the ledger's database is closed after a failed write; it reopens "
      "once its disk has space");
}

}  // namespace

RocksDbStore::RocksDbStore(std::unique_ptr<Db> db) : db_(std::move(db)) {}

RocksDbStore::~RocksDbStore() {
  // The last reference to the database closes it (Db::Set). Before that, a
  // write-ahead log of more than kFlushAtCloseBytes is written out as a
  // table: the next open then has no large log to replay, where it would
  // replay up to a whole write buffer (64 MiB, about 0.35 s of CPU per
  // 40 MB) on every start (issue 15, item 4). A small one stays, cheap to
  // replay. Best effort: after a failed write (a full disk) the log stays,
  // and the next open replays it as after a crash.
  if (!db_ || db_->read_only || db_->write_failed.load()) return;
  std::shared_ptr<rocksdb::DB> db = db_->Current();
  if (db == nullptr) return;
  uint64_t logged = 0;
  rocksdb::VectorLogPtr logs;
  if (db->GetSortedWalFiles(logs).ok()) {
    for (const auto& log : logs) logged += log->SizeFileBytes();
  }
  if (logged > kFlushAtCloseBytes) {
    rocksdb::FlushOptions flush;
    flush.wait = true;
    db->Flush(flush).PermitUncheckedError();
  }
}

absl::StatusOr<std::unique_ptr<RocksDbStore>> RocksDbStore::Open(
    const std::string& dir, const RocksDbOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    if (!options.create_if_missing || options.read_only) {
      return absl::NotFoundError(absl::StrCat("no ledger database at ", dir));
    }
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return absl::UnavailableError(absl::StrCat(
          "cannot create ledger directory ", dir, ": ", std::strerror(errno)));
    }
  }
  rocksdb::Options rocks;
  rocks.create_if_missing = options.create_if_missing;
  rocks.paranoid_checks = true;
  auto messages = std::make_shared<RecentMessages>();
  rocks.info_log = messages;
  rocks.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // A torn last record (a crash while writing it, never acknowledged) is
  // dropped; damage anywhere else refuses the open. RocksDB's default,
  // point-in-time recovery, would silently drop everything after the
  // damage: for an audit ledger the worst failure.
  rocks.wal_recovery_mode =
      options.salvage ? rocksdb::WALRecoveryMode::kPointInTimeRecovery
                      : rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  // Replay the write-ahead log into memory without writing it out as a
  // table at open, which would need free space the size of the log: a
  // gate on a full disk can then still start (and refuse writes).
  rocks.avoid_flush_during_recovery = !options.salvage;
  rocks.memtable_insert_with_hint_prefix_extractor =
      std::make_shared<InsertionRun>();
  rocks.listeners.push_back(std::make_shared<NoAutoRecovery>());
  if (!options.read_only) {
    PORTCULLIS_RETURN_IF_ERROR(
        CheckFreeSpace(dir, options.min_free_bytes,
                       absl::StrCat("cannot open the ledger at ", dir)));
  }

  auto db = std::make_unique<Db>();
  db->dir = dir;
  db->options = rocks;
  db->min_free_bytes = options.min_free_bytes;
  db->read_only = options.read_only;
  db->messages = messages;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = options.read_only
                          ? rocksdb::DB::OpenForReadOnly(rocks, dir, &raw)
                          : rocksdb::DB::Open(rocks, dir, &raw);
  if (!s.ok()) return OpenFailure(s, dir, *messages);
  db->Set(raw);
  return std::unique_ptr<RocksDbStore>(new RocksDbStore(std::move(db)));
}

absl::Status RocksDbStore::Write(const WriteBatch& batch, bool sync) {
  if (db_->read_only) {
    return absl::FailedPreconditionError("ledger is open read-only");
  }
  DisablePerfCounters();
  rocksdb::WriteBatch rocks_batch;
  for (const auto& [begin, end] : batch.range_deletes) {
    // RocksDB 7.8 keeps one insert hint per run for both of a memtable's
    // skip lists, points and range deletions (fixed in later releases:
    // hints are for points only). A range deletion that begins inside a
    // run would steer a point insert by a node of the other list and
    // corrupt the memtable, so it is refused before anything is written.
    if (ledger_internal::InsertionRunLength(begin) != 0) {
      return absl::InvalidArgumentError(
          "ledger batch: a range deletion must begin at a bare tenant prefix "
          "or a payload key");
    }
    rocksdb::Status s = rocks_batch.DeleteRange(ToSlice(begin), ToSlice(end));
    if (!s.ok()) return FromRocksDb(s, "ledger batch");
  }
  // Insert in key order: the memtable's skip list then finds each place
  // from the last one instead of searching from the top (a group commit
  // interleaves entries, payloads, indexes and tree nodes). Stable, so of
  // two puts of one key the later still wins.
  std::vector<const std::pair<std::string, std::string>*> puts;
  puts.reserve(batch.puts.size());
  for (const auto& put : batch.puts) puts.push_back(&put);
  std::stable_sort(puts.begin(), puts.end(), [](const auto* a, const auto* b) {
    return a->first < b->first;
  });
  for (const auto* put : puts) {
    rocksdb::Status s =
        rocks_batch.Put(ToSlice(put->first), ToSlice(put->second));
    if (!s.ok()) return FromRocksDb(s, "ledger batch");
  }
  for (const std::string& key : batch.deletes) {
    rocksdb::Status s = rocks_batch.Delete(ToSlice(key));
    if (!s.ok()) return FromRocksDb(s, "ledger batch");
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = sync;
  std::shared_ptr<rocksdb::DB> db = db_->Current();
  if (!db) return Closed();
  rocksdb::Status s = db->Write(write_options, &rocks_batch);
  if (!s.ok()) db_->write_failed = true;
  return FromRocksDb(s, "ledger write");
}

absl::Status RocksDbStore::Resume() {
  if (db_->read_only || !db_->write_failed) return absl::OkStatus();
  PORTCULLIS_RETURN_IF_ERROR(
      CheckFreeSpace(db_->dir, std::max<uint64_t>(db_->min_free_bytes, 1),
                     "the ledger cannot write yet"));
  // Close and reopen: the reopened database replays its write-ahead log
  // (a record torn by the failed write is its tail, and is dropped) and
  // writes a new one. Operations started meanwhile fail with Unavailable.
  absl::MutexLock resuming(&db_->resume_mu);
  if (!db_->write_failed) return absl::OkStatus();  // another Resume did
  std::shared_ptr<rocksdb::DB> old;
  {
    absl::MutexLock lock(&db_->mu);
    old = std::move(db_->db);
  }
  // Wait for the operations in flight on it (a long Scan: give it back).
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (old != nullptr && old.use_count() > 1) {
    if (absl::Now() > deadline) {
      absl::MutexLock lock(&db_->mu);
      db_->db = std::move(old);
      return absl::UnavailableError(
          "the ledger cannot write yet: reads in progress delay its reopen");
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  old.reset();  // closes it
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_->options, db_->dir, &raw);
  if (!s.ok()) {
    return FromRocksDb(s, "the ledger cannot write yet: reopening it failed");
  }
  db_->Set(raw);
  db_->write_failed = false;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> RocksDbStore::Get(
    absl::string_view key) const {
  DisablePerfCounters();
  std::string value;
  std::shared_ptr<rocksdb::DB> db = db_->Current();
  if (!db) return Closed();
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), ToSlice(key), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocksDb(s, "ledger read");
  return value;
}

absl::Status RocksDbStore::Scan(
    absl::string_view begin, absl::string_view end, bool reverse,
    absl::FunctionRef<bool(absl::string_view, absl::string_view)> visit) const {
  DisablePerfCounters();
  rocksdb::ReadOptions read_options;
  rocksdb::Slice lower = ToSlice(begin);
  rocksdb::Slice upper = ToSlice(end);
  read_options.iterate_lower_bound = &lower;
  read_options.iterate_upper_bound = &upper;
  std::shared_ptr<rocksdb::DB> db = db_->Current();
  if (!db) return Closed();
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read_options));
  if (reverse) {
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      if (!visit(ToView(it->key()), ToView(it->value()))) break;
    }
  } else {
    for (it->Seek(lower); it->Valid(); it->Next()) {
      if (!visit(ToView(it->key()), ToView(it->value()))) break;
    }
  }
  return FromRocksDb(it->status(), "ledger scan");
}

absl::Status RocksDbStore::Purge(absl::string_view begin,
                                 absl::string_view end) {
  if (db_->read_only) {
    return absl::FailedPreconditionError("ledger is open read-only");
  }
  std::shared_ptr<rocksdb::DB> db = db_->Current();
  if (!db) return Closed();
  rocksdb::FlushOptions flush;
  flush.wait = true;
  rocksdb::Status s = db->Flush(flush);
  if (!s.ok()) return FromRocksDb(s, "ledger flush");
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForce;
  rocksdb::Slice lower = ToSlice(begin);
  rocksdb::Slice upper = ToSlice(end);
  s = db->CompactRange(compact, &lower, &upper);
  if (!s.ok()) return FromRocksDb(s, "ledger compaction");
  return FromRocksDb(db->FlushWAL(/*sync=*/true), "ledger WAL flush");
}

}  // namespace portcullis::ledger
