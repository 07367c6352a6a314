#include "ledger/entry.h"

#include "absl/strings/str_cat.h"
#include "base/canonical_encoding.h"
#include "base/status_macros.h"

namespace portcullis::ledger {
namespace {

constexpr absl::string_view kEntryDomain("portcullis/ledger/entry/v1\0", 27);
constexpr absl::string_view kPayloadDomain("portcullis/ledger/payload/v1\0",
                                           29);

absl::Status DecodeInto(CanonicalReader& r, Entry& e) {
  PORTCULLIS_ASSIGN_OR_RETURN(e.version, r.Byte());
  if (!IsKnownEntryVersion(e.version)) {
    return absl::DataLossError(
        absl::StrCat("unknown entry encoding version ", e.version));
  }
  PORTCULLIS_ASSIGN_OR_RETURN(e.sequence, r.U64());
  PORTCULLIS_ASSIGN_OR_RETURN(int64_t nanos, r.I64());
  e.time = absl::FromUnixNanos(nanos);
  std::string* strings[] = {&e.tenant,      &e.kind,
                            &e.request_id,  &e.correlation_id,
                            &e.decision_id, &e.action_digest};
  for (std::string* field : strings) {
    PORTCULLIS_ASSIGN_OR_RETURN(absl::string_view s, r.String());
    field->assign(s.data(), s.size());
  }
  if (e.version >= kEntryVersion3) {
    PORTCULLIS_ASSIGN_OR_RETURN(absl::string_view replica, r.String());
    e.replica.assign(replica.data(), replica.size());
  } else {
    e.replica.clear();
  }
  PORTCULLIS_ASSIGN_OR_RETURN(absl::string_view payload_digest,
                              r.Fixed(crypto::kDigestSize));
  crypto::DigestFromBytes(payload_digest, e.payload_digest);
  return absl::OkStatus();
}

// hash = BLAKE2b-256(domain || previous_hash || canonical_entry)
crypto::Digest EntryHash(absl::string_view previous_hash,
                         absl::string_view canonical) {
  crypto::Hasher h;
  h.Update(kEntryDomain);
  h.Update(previous_hash);
  h.Update(canonical);
  return h.Finish();
}

}  // namespace

crypto::Digest PayloadDigest(absl::string_view stored_payload) {
  crypto::Hasher h;
  h.Update(kPayloadDomain);
  h.Update(stored_payload);
  return h.Finish();
}

std::string EncodeCanonicalEntry(const Entry& e) {
  CanonicalWriter w;
  w.Byte(e.version);
  w.U64(e.sequence);
  w.I64(absl::ToUnixNanos(e.time));
  w.String(e.tenant);
  w.String(e.kind);
  w.String(e.request_id);
  w.String(e.correlation_id);
  w.String(e.decision_id);
  w.String(e.action_digest);
  // Versions 1 and 2 name no replica; their encoding stays as it was.
  if (e.version >= kEntryVersion3) w.String(e.replica);
  w.Fixed(crypto::AsBytes(e.payload_digest));
  return w.Release();
}

crypto::Digest ComputeEntryHash(const Entry& e) {
  return EntryHash(crypto::AsBytes(e.previous_hash), EncodeCanonicalEntry(e));
}

std::string EncodeStoredEntry(const Entry& e) {
  std::string out = EncodeCanonicalEntry(e);
  out.append(crypto::AsBytes(e.previous_hash).data(), crypto::kDigestSize);
  out.append(crypto::AsBytes(e.hash).data(), crypto::kDigestSize);
  return out;
}

absl::StatusOr<Entry> DecodeStoredEntry(absl::string_view bytes) {
  Entry e;
  PORTCULLIS_RETURN_IF_ERROR(DecodeStoredEntry(bytes, e));
  return e;
}

absl::Status DecodeStoredEntry(absl::string_view bytes, Entry& e) {
  CanonicalReader r(bytes);
  PORTCULLIS_RETURN_IF_ERROR(DecodeInto(r, e));
  PORTCULLIS_ASSIGN_OR_RETURN(absl::string_view previous,
                              r.Fixed(crypto::kDigestSize));
  PORTCULLIS_ASSIGN_OR_RETURN(absl::string_view hash,
                              r.Fixed(crypto::kDigestSize));
  if (!r.done()) {
    return absl::DataLossError(
        absl::StrCat(r.remaining(), " unexpected bytes after the entry"));
  }
  crypto::DigestFromBytes(previous, e.previous_hash);
  crypto::DigestFromBytes(hash, e.hash);
  return absl::OkStatus();
}

crypto::Digest StoredEntryHash(absl::string_view stored) {
  // The stored form is canonical_entry || previous_hash || hash, and a
  // stored entry that decodes is canonical (fixed-width integers,
  // length-prefixed strings, nothing left over), so its first part is
  // exactly what EncodeCanonicalEntry would write.
  constexpr size_t kHashes = 2 * crypto::kDigestSize;
  return EntryHash(stored.substr(stored.size() - kHashes, crypto::kDigestSize),
                   stored.substr(0, stored.size() - kHashes));
}

}  // namespace portcullis::ledger
