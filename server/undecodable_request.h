// Wire-level bad input. A request gRPC cannot decode (a string field that
// is not valid UTF-8, a truncated or malformed message) never reaches a
// handler, so no handler can answer for it: gRPC itself would answer
// UNIMPLEMENTED or INTERNAL with no message, and protobuf would write a
// line to the log for a caller nobody has identified yet. This module
// fixes both for the whole server. Thread-safe.
#ifndef PORTCULLIS_SERVER_UNDECODABLE_REQUEST_H_
#define PORTCULLIS_SERVER_UNDECODABLE_REQUEST_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>

namespace portcullis::server {

// The message every undecodable request gets, with INVALID_ARGUMENT.
inline constexpr char kUndecodableRequest[] =
    "request: could not be decoded; every string field must be valid "
    "UTF-8 and the message well-formed protobuf";

// Makes the server answer an undecodable request INVALID_ARGUMENT with
// kUndecodableRequest, whatever status gRPC had chosen. Install with
// ServerBuilder::experimental().SetInterceptorCreators.
class UndecodableRequestInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

// Routes protobuf's own log lines away from the process's stderr: messages
// about parsing (which a caller can trigger before it is authenticated) are
// dropped; any other is written to stderr escaped and cut to 200 bytes.
// Process-wide and idempotent; protobuf's FATAL messages are unaffected.
void QuietProtobufParseLogs();

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_UNDECODABLE_REQUEST_H_
