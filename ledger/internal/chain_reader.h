// Internal to ledger/: reads a tenant's stored entries in chunks, each
// with the payloads stored for its range, for the verifier. With
// `read_ahead` a thread of its own reads the next chunk while the caller
// checks the current one, so one tenant keeps two cores busy.
//
// A ChainReader is used by one thread (its reading thread is internal).
#ifndef PORTCULLIS_LEDGER_INTERNAL_CHAIN_READER_H_
#define PORTCULLIS_LEDGER_INTERNAL_CHAIN_READER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "ledger/key_value_store.h"

namespace portcullis::ledger::ledger_internal {

// Stored records copied out of a scan into one buffer: a chunk of
// thousands costs a few allocations, not one per record.
class RecordBuffer {
 public:
  void Clear() {
    bytes_.clear();
    records_.clear();
  }
  void Add(uint64_t sequence, absl::string_view value);
  size_t size() const { return records_.size(); }
  uint64_t sequence(size_t i) const { return records_[i].sequence; }
  absl::string_view value(size_t i) const {
    return absl::string_view(bytes_).substr(records_[i].offset,
                                            records_[i].size);
  }

 private:
  struct Record {
    uint64_t sequence;
    size_t offset;
    size_t size;
  };
  std::string bytes_;
  std::vector<Record> records_;
};

// Up to kChainChunk entries in key order, and the payloads stored for the
// range of their sequences, in key order.
struct ChainChunk {
  RecordBuffer entries;
  RecordBuffer payloads;
  // An entry key that is not a tenant prefix and a sequence: the chunk
  // ends before it, and the chain cannot be read past it.
  bool malformed_key = false;
};

inline constexpr size_t kChainChunk = 4096;

// Reads into `chunk` the tenant's entries stored under keys in
// [from_key, to_key), at most `limit` of them, and the payloads stored for
// the range of their sequences. The scan stops before a malformed key
// (chunk.malformed_key).
absl::Status ReadChunk(const KeyValueStore& store, absl::string_view tenant,
                       absl::string_view from_key, absl::string_view to_key,
                       size_t limit, ChainChunk& chunk);

class ChainReader {
 public:
  // Reads the chain from its first key, or from `from_key` when given (an
  // entry key of the tenant's).
  ChainReader(const KeyValueStore& store, std::string tenant, bool read_ahead,
              std::string from_key = "");
  ChainReader(const ChainReader&) = delete;
  ChainReader& operator=(const ChainReader&) = delete;
  // Stops reading ahead and waits for the reading thread.
  ~ChainReader();

  // The next chunk, or null once the chain has been read to its end (or
  // past a malformed key). Unavailable when the store cannot be read.
  // The chunk stays valid until the next call.
  absl::StatusOr<const ChainChunk*> Next();

 private:
  // Reads the chunk after the one read last into `chunk`; false when
  // there is none.
  absl::StatusOr<bool> ReadNext(ChainChunk& chunk);
  void ReadAhead();

  const KeyValueStore& store_;
  const std::string tenant_;
  // Where the next read starts; empty once the chain is read.
  std::string next_key_;

  std::unique_ptr<ChainChunk> current_;  // what Next returned last

  // Read ahead: the reading thread hands full chunks over through full_
  // and takes empty ones back from spare_; at most two are in flight.
  absl::Mutex mu_;
  std::deque<std::unique_ptr<ChainChunk>> full_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<ChainChunk>> spare_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;  // no more chunks coming
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread reader_;
};

}  // namespace portcullis::ledger::ledger_internal

#endif  // PORTCULLIS_LEDGER_INTERNAL_CHAIN_READER_H_
