// KeyValueStore is the ledger's storage seam: an ordered byte-string map with
// atomic batched writes. RocksDbStore is the production implementation;
// tests wrap it to inject failures. Only ledger/ uses this interface.
//
// Implementations must be thread-safe.
#ifndef PORTCULLIS_LEDGER_KEY_VALUE_STORE_H_
#define PORTCULLIS_LEDGER_KEY_VALUE_STORE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace portcullis::ledger {

// Puts and deletes applied all together or not at all. Range deletes
// remove every key in [begin, end) and are applied first.
struct WriteBatch {
  std::vector<std::pair<std::string, std::string>> puts;
  std::vector<std::string> deletes;
  std::vector<std::pair<std::string, std::string>> range_deletes;

  void Put(std::string key, std::string value) {
    puts.emplace_back(std::move(key), std::move(value));
  }
  void Delete(std::string key) { deletes.push_back(std::move(key)); }
  void DeleteRange(std::string begin, std::string end) {
    range_deletes.emplace_back(std::move(begin), std::move(end));
  }
  bool empty() const {
    return puts.empty() && deletes.empty() && range_deletes.empty();
  }
};

class KeyValueStore {
 public:
  virtual ~KeyValueStore() = default;

  // Applies `batch` atomically. With `sync`, returns only once the write is
  // on stable storage (it survives a machine crash). Returns Unavailable
  // when the storage cannot be written; the batch is then not applied.
  virtual absl::Status Write(const WriteBatch& batch, bool sync) = 0;

  // Returns the value at `key`, or nullopt when there is none.
  virtual absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) const = 0;

  // Calls `visit` for each key in [begin, end) in ascending byte order (or
  // descending with `reverse`) until it returns false. Sees a consistent
  // snapshot.
  virtual absl::Status Scan(
      absl::string_view begin, absl::string_view end, bool reverse,
      absl::FunctionRef<bool(absl::string_view key, absl::string_view value)>
          visit) const = 0;

  // Makes deleted keys in [begin, end) physically unrecoverable from the
  // live database files (crypto-shredding): flushes and compacts. Copies
  // outside the database (backups) are not touched. The default does
  // nothing, for stores with no such files.
  virtual absl::Status Purge(absl::string_view begin, absl::string_view end) {
    return absl::OkStatus();
  }

  // After a failed Write (a full disk), tries to make the store writable
  // again: OK once it is, Unavailable while it is not. A store that never
  // failed returns OK. The default does nothing.
  virtual absl::Status Resume() { return absl::OkStatus(); }
};

}  // namespace portcullis::ledger

#endif  // PORTCULLIS_LEDGER_KEY_VALUE_STORE_H_
