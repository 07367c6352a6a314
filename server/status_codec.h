// The one conversion from absl::Status to grpc::Status. Thread-safe.
#ifndef PORTCULLIS_SERVER_STATUS_CODEC_H_
#define PORTCULLIS_SERVER_STATUS_CODEC_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace portcullis::server {

// Maps the code one to one (the two share gRPC's code space) and keeps the
// message, which Portcullis writes for people and never fills with secrets.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_STATUS_CODEC_H_
