#include "ledger/sealed_payload.h"

#include "absl/strings/str_cat.h"
#include "base/canonical_encoding.h"
#include "crypto/aead.h"
#include "crypto/constant_time.h"
#include "ledger/entry.h"

namespace portcullis::ledger {
namespace {

constexpr uint8_t kPlainFrame = 0x00;
constexpr uint8_t kSealedFrame = 0x01;
constexpr size_t kSealedHeader = 1 + 4 + crypto::kDigestSize;
constexpr absl::string_view kEntryKeyDomain("portcullis/ledger/entry-key/v1\0",
                                            31);
constexpr absl::string_view kCommitmentDomain(
    "portcullis/ledger/key-commitment/v1\0", 36);
constexpr absl::string_view kAssociatedDomain("portcullis/ledger/payload/v1\0",
                                              29);

std::string AssociatedData(absl::string_view tenant, uint64_t sequence,
                           uint32_t key_version) {
  CanonicalWriter w;
  w.Fixed(kAssociatedDomain);
  w.String(tenant);
  w.U64(sequence);
  w.U32(key_version);
  return w.Release();
}

}  // namespace

absl::StatusOr<StoredPayloadView> ParseStoredPayload(uint8_t entry_version,
                                                     absl::string_view stored) {
  StoredPayloadView view;
  if (entry_version == kEntryVersion1) {
    view.body = stored;
    return view;
  }
  if (stored.empty()) return absl::DataLossError("stored payload is empty");
  uint8_t frame = static_cast<uint8_t>(stored[0]);
  if (frame == kPlainFrame) {
    view.body = stored.substr(1);
    return view;
  }
  if (frame != kSealedFrame ||
      stored.size() < kSealedHeader + crypto::kAeadOverhead) {
    return absl::DataLossError("stored payload has an unknown frame");
  }
  CanonicalReader r(stored.substr(1, kSealedHeader - 1));
  view.sealed = true;
  view.key_version = *r.U32();
  crypto::DigestFromBytes(*r.Fixed(crypto::kDigestSize), view.commitment);
  view.body = stored.substr(kSealedHeader);
  return view;
}

std::string FramePlainPayload(absl::string_view plaintext) {
  std::string out(1, static_cast<char>(kPlainFrame));
  out.append(plaintext.data(), plaintext.size());
  return out;
}

absl::Status DeriveEntryKey(absl::string_view tenant_key, uint64_t sequence,
                            crypto::DerivedKey& out) {
  CanonicalWriter w;
  w.Fixed(kEntryKeyDomain);
  w.U64(sequence);
  return crypto::KeyedHashInto(tenant_key, w.bytes(), out);
}

crypto::Digest KeyCommitment(absl::string_view entry_key) {
  crypto::Hasher h;
  h.Update(kCommitmentDomain);
  h.Update(entry_key);
  return h.Finish();
}

absl::StatusOr<std::string> SealPayload(absl::string_view entry_key,
                                        uint32_t key_version,
                                        absl::string_view tenant,
                                        uint64_t sequence,
                                        absl::string_view plaintext,
                                        crypto::NonceBatch* nonces) {
  absl::StatusOr<std::string> sealed =
      crypto::AeadSeal(entry_key, plaintext,
                       AssociatedData(tenant, sequence, key_version), nonces);
  if (!sealed.ok()) return sealed.status();
  CanonicalWriter w;
  w.Byte(kSealedFrame);
  w.U32(key_version);
  w.Fixed(crypto::AsBytes(KeyCommitment(entry_key)));
  w.Fixed(*sealed);
  return w.Release();
}

absl::StatusOr<std::string> OpenPayload(absl::string_view entry_key,
                                        absl::string_view tenant,
                                        uint64_t sequence,
                                        absl::string_view stored) {
  absl::StatusOr<StoredPayloadView> view =
      ParseStoredPayload(kEntryVersion2, stored);
  if (!view.ok()) return view.status();
  if (!view->sealed) {
    return absl::InvalidArgumentError("the payload is not sealed");
  }
  if (!crypto::ConstantTimeEquals(crypto::AsBytes(KeyCommitment(entry_key)),
                                  crypto::AsBytes(view->commitment))) {
    return absl::DataLossError(
        absl::StrCat("entry ", tenant, "/", sequence,
                     ": the key does not match the payload's commitment"));
  }
  absl::StatusOr<std::string> plain =
      crypto::AeadOpen(entry_key, view->body,
                       AssociatedData(tenant, sequence, view->key_version));
  if (!plain.ok()) {
    return absl::DataLossError(absl::StrCat("entry ", tenant, "/", sequence,
                                            ": ", plain.status().message()));
  }
  return plain;
}

}  // namespace portcullis::ledger
