// absl::Time and absl::Duration <-> google.protobuf.Timestamp and Duration.
// Pure functions; thread-safe.
#ifndef PORTCULLIS_CODEC_TIME_CODEC_H_
#define PORTCULLIS_CODEC_TIME_CODEC_H_

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include "absl/time/time.h"

namespace portcullis::codec {

void TimeToProto(absl::Time t, google::protobuf::Timestamp* proto);
absl::Time TimeFromProto(const google::protobuf::Timestamp& proto);
void DurationToProto(absl::Duration d, google::protobuf::Duration* proto);
absl::Duration DurationFromProto(const google::protobuf::Duration& proto);

}  // namespace portcullis::codec

#endif  // PORTCULLIS_CODEC_TIME_CODEC_H_
