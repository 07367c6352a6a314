// libFuzzer target: the ledger's stored-entry decoder. Arbitrary bytes go
// to both DecodeStoredEntry overloads (the second reusing an entry that
// already holds values, as a walk over many entries does). Invariants: both
// agree; a decoded entry encodes back to exactly the input (the encoding
// is canonical, so no two byte strings decode to one entry); the hash
// computed from the stored bytes equals the hash computed from the fields.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "ledger/entry.h"
#include "tests/fuzz/fuzz_support.h"

using portcullis::fuzz::Check;
namespace ledger = portcullis::ledger;

namespace {

bool SameFields(const ledger::Entry& a, const ledger::Entry& b) {
  return a.version == b.version && a.sequence == b.sequence &&
         a.time == b.time && a.tenant == b.tenant && a.kind == b.kind &&
         a.request_id == b.request_id && a.correlation_id == b.correlation_id &&
         a.decision_id == b.decision_id && a.action_digest == b.action_digest &&
         a.replica == b.replica && a.payload_digest == b.payload_digest &&
         a.previous_hash == b.previous_hash && a.hash == b.hash;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<ledger::Entry> entry = ledger::DecodeStoredEntry(bytes);

  ledger::Entry reused;
  reused.tenant = "an-earlier-tenant-with-a-long-name";
  reused.kind = "action.evaluated";
  reused.request_id = "req-0000000000000000000000000000";
  reused.action_digest = std::string(32, 'x');
  absl::Status status = ledger::DecodeStoredEntry(bytes, reused);

  Check(entry.ok() == status.ok());
  if (!entry.ok()) {
    Check(!entry.status().message().empty());
    return 0;
  }
  Check(SameFields(*entry, reused));
  Check(ledger::EncodeStoredEntry(*entry) == bytes);
  Check(ledger::StoredEntryHash(bytes) == ledger::ComputeEntryHash(*entry));
  return 0;
}
