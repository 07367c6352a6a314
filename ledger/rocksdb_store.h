// RocksDbStore is the KeyValueStore on an embedded RocksDB database: the
// only place in Portcullis where rocksdb:: types appear (they stay in the
// .cc). Thread-safe.
#ifndef PORTCULLIS_LEDGER_ROCKSDB_STORE_H_
#define PORTCULLIS_LEDGER_ROCKSDB_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/key_value_store.h"

namespace portcullis::ledger {

struct RocksDbOptions {
  // Create the database (and its directory, mode 0700) if missing.
  bool create_if_missing = true;
  // Open without the write lock, for verification beside a running gate.
  // Writes then fail with FailedPrecondition.
  bool read_only = false;
  // Salvage a damaged write-ahead log (`portcullis ledger recover`): replay
  // it up to the first damaged record and drop the rest, instead of
  // refusing to open. Never set on the gate's own open.
  bool salvage = false;
  // A writable open is refused (Unavailable, saying how much is free) while
  // the database's file system has fewer bytes free than this, and Resume
  // waits for it: a gate on a full disk is refused with a message instead
  // of starting into errors, and writes resume only with room to work in.
  // 0: no check at open (Resume still waits for a byte).
  uint64_t min_free_bytes = 0;
};

class RocksDbStore final : public KeyValueStore {
 public:
  // Opens the database in `dir`. Returns Unavailable when it is locked by
  // another process or cannot be read, NotFound when it does not exist and
  // may not be created, DataLoss when RocksDB reports corruption: a
  // damaged write-ahead log is refused (its message names the file and
  // where it is damaged), never silently cut short; see `salvage`.
  static absl::StatusOr<std::unique_ptr<RocksDbStore>> Open(
      const std::string& dir, const RocksDbOptions& options);

  // Closes the database cleanly; a write-ahead log larger than
  // kFlushAtCloseBytes is first written out as a table, so that the next
  // open does not replay it (start-up time).
  ~RocksDbStore() override;
  static constexpr uint64_t kFlushAtCloseBytes = 1 << 20;

  absl::Status Write(const WriteBatch& batch, bool sync) override;
  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) const override;
  absl::Status Scan(
      absl::string_view begin, absl::string_view end, bool reverse,
      absl::FunctionRef<bool(absl::string_view, absl::string_view)> visit)
      const override;
  // Flushes the memtable (so the write-ahead log holding the deleted values
  // is retired) and compacts [begin, end) down to the bottom level, which
  // drops deleted values from the SST files.
  absl::Status Purge(absl::string_view begin, absl::string_view end) override;
  // RocksDB stops writing after a failed write (its background error).
  // Once the disk has `min_free_bytes` free again, this closes and reopens
  // the database (RocksDB's own recovery is turned off: see the .cc), with
  // every other operation waiting meanwhile. Unavailable while the disk is
  // still full or the reopen fails; operations then fail with Unavailable
  // until a later Resume reopens it.
  absl::Status Resume() override;

 private:
  struct Db;
  explicit RocksDbStore(std::unique_ptr<Db> db);

  std::unique_ptr<Db> db_;
};

}  // namespace portcullis::ledger

#endif  // PORTCULLIS_LEDGER_ROCKSDB_STORE_H_
