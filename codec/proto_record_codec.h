// ProtoRecordCodec implements gate::RecordCodec on the ledger/v1 records
// schema (proto/portcullis/ledger/v1/records.proto), serialized
// deterministically. Stateless; thread-safe.
#ifndef PORTCULLIS_CODEC_PROTO_RECORD_CODEC_H_
#define PORTCULLIS_CODEC_PROTO_RECORD_CODEC_H_

#include "gate/records.h"

namespace portcullis::codec {

class ProtoRecordCodec final : public gate::RecordCodec {
 public:
  std::string Encode(const gate::Record& record) const override;
  absl::StatusOr<gate::Record> Decode(absl::string_view kind,
                                      absl::string_view payload) const override;
  // portcullis.ledger.v1.StateSnapshot.
  absl::StatusOr<std::string> EncodeSnapshot(
      const gate::StateSnapshot& snapshot) const override;
  absl::StatusOr<gate::StateSnapshot> DecodeSnapshot(
      absl::string_view bytes) const override;
};

}  // namespace portcullis::codec

#endif  // PORTCULLIS_CODEC_PROTO_RECORD_CODEC_H_
