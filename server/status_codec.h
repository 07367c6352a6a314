// The one conversion from absl::Status to grpc::Status, and the message
// of a Status as an operator's status page shows it. Thread-safe.
#ifndef PORTCULLIS_SERVER_STATUS_CODEC_H_
#define PORTCULLIS_SERVER_STATUS_CODEC_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace portcullis::server {

// The longest message a caller is sent; longer ones are cut (at a UTF-8
// character boundary) and end in "...". Keeps a reply's trailers far below
// gRPC's metadata limit whatever a message quotes.
inline constexpr size_t kMaxStatusMessageBytes = 1024;

// Maps the code one to one (the two share gRPC's code space) and keeps the
// message, which Portcullis writes for people and never fills with
// secrets. For failures of the server itself (UNAVAILABLE, DATA_LOSS,
// INTERNAL, UNKNOWN), whose messages may come from storage libraries,
// absolute file paths are replaced with "<path>": callers never learn the
// server's data directory. Every message is at most kMaxStatusMessageBytes.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The message of `status` for an operator's status page, whatever its
// code: every absolute file path cut to its last name (a policy file's
// name stays, the directories around it, the data directory's included,
// do not), at most kMaxStatusMessageBytes. Empty for OK.
std::string OperatorMessage(const absl::Status& status);

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_STATUS_CODEC_H_
