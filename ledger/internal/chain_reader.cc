#include "ledger/internal/chain_reader.h"

#include <utility>

#include "base/canonical_encoding.h"
#include "base/status_macros.h"
#include "base/thread_name.h"
#include "ledger/internal/keys.h"

namespace portcullis::ledger::ledger_internal {

void RecordBuffer::Add(uint64_t sequence, absl::string_view value) {
  records_.push_back({sequence, bytes_.size(), value.size()});
  bytes_.append(value.data(), value.size());
}

ChainReader::ChainReader(const KeyValueStore& store, std::string tenant,
                         bool read_ahead, std::string from_key)
    : store_(store),
      tenant_(std::move(tenant)),
      next_key_(from_key.empty() ? TenantPrefix(kEntryTag, tenant_)
                                 : std::move(from_key)) {
  if (!read_ahead) return;
  {
    absl::MutexLock lock(&mu_);
    // One chunk being read while the caller checks the other.
    for (int i = 0; i < 2; ++i) {
      spare_.push_back(std::make_unique<ChainChunk>());
    }
  }
  reader_ = std::thread([this] {
    SetCurrentThreadName("gate-read");
    ReadAhead();
  });
}

ChainReader::~ChainReader() {
  if (!reader_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  reader_.join();
}

absl::StatusOr<const ChainChunk*> ChainReader::Next() {
  if (!reader_.joinable()) {
    if (current_ == nullptr) current_ = std::make_unique<ChainChunk>();
    PORTCULLIS_ASSIGN_OR_RETURN(bool read, ReadNext(*current_));
    return read ? current_.get() : nullptr;
  }
  absl::MutexLock lock(&mu_);
  if (current_ != nullptr) spare_.push_back(std::move(current_));
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !full_.empty() || finished_;
  };
  mu_.Await(absl::Condition(&ready));
  if (full_.empty()) {
    if (!status_.ok()) return status_;
    return nullptr;
  }
  current_ = std::move(full_.front());
  full_.pop_front();
  return current_.get();
}

void ChainReader::ReadAhead() {
  for (;;) {
    std::unique_ptr<ChainChunk> chunk;
    {
      absl::MutexLock lock(&mu_);
      auto can_read = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !spare_.empty();
      };
      mu_.Await(absl::Condition(&can_read));
      if (stopping_) return;
      chunk = std::move(spare_.back());
      spare_.pop_back();
    }
    absl::StatusOr<bool> read = ReadNext(*chunk);
    absl::MutexLock lock(&mu_);
    if (!read.ok() || !*read) {
      status_ = read.status();
      finished_ = true;
      return;
    }
    full_.push_back(std::move(chunk));
  }
}

absl::Status ReadChunk(const KeyValueStore& store, absl::string_view tenant,
                       absl::string_view from_key, absl::string_view to_key,
                       size_t limit, ChainChunk& chunk) {
  chunk.entries.Clear();
  chunk.payloads.Clear();
  chunk.malformed_key = false;
  const std::string entry_prefix = TenantPrefix(kEntryTag, tenant);
  PORTCULLIS_RETURN_IF_ERROR(store.Scan(
      from_key, to_key, false, [&](absl::string_view k, absl::string_view v) {
        CanonicalReader r(k.substr(entry_prefix.size()));
        auto sequence = r.U64();
        if (!sequence.ok() || !r.done()) {
          chunk.malformed_key = true;
          return false;
        }
        chunk.entries.Add(*sequence, v);
        return chunk.entries.size() < limit;
      }));
  const size_t n = chunk.entries.size();
  if (n == 0) return absl::OkStatus();
  const std::string payload_prefix = TenantPrefix(kPayloadTag, tenant);
  return store.Scan(PayloadKey(tenant, chunk.entries.sequence(0)),
                    PayloadKey(tenant, chunk.entries.sequence(n - 1) + 1),
                    false, [&](absl::string_view k, absl::string_view v) {
                      CanonicalReader r(k.substr(payload_prefix.size()));
                      if (auto sequence = r.U64(); sequence.ok()) {
                        chunk.payloads.Add(*sequence, v);
                      }
                      return true;
                    });
}

absl::StatusOr<bool> ChainReader::ReadNext(ChainChunk& chunk) {
  chunk.entries.Clear();
  chunk.payloads.Clear();
  chunk.malformed_key = false;
  if (next_key_.empty()) return false;
  PORTCULLIS_RETURN_IF_ERROR(ReadChunk(
      store_, tenant_, next_key_, PrefixEnd(TenantPrefix(kEntryTag, tenant_)),
      kChainChunk, chunk));
  const size_t n = chunk.entries.size();
  if (chunk.malformed_key || n < kChainChunk) {
    next_key_.clear();  // the chain ends in this chunk
  } else {
    next_key_ = EntryKey(tenant_, chunk.entries.sequence(n - 1) + 1);
  }
  if (n == 0) return chunk.malformed_key;
  return true;
}

}  // namespace portcullis::ledger::ledger_internal
