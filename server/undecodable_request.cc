#include "server/undecodable_request.h"

#include <google/protobuf/stubs/logging.h>

#include <cstdio>
#include <mutex>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace portcullis::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

// Remembers whether the request failed to decode, and if so replaces the
// status the server sends.
class UndecodableRequestInterceptor : public grpc::experimental::Interceptor {
 public:
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      // gRPC hands interceptors a null message when it could not decode it.
      undecodable_ = true;
    }
    if (undecodable_ &&
        methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS) &&
        !methods->GetSendStatus().ok()) {
      methods->ModifySendStatus(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                             kUndecodableRequest));
    }
    methods->Proceed();
  }

 private:
  bool undecodable_ = false;
};

void BoundedProtobufLog(google::protobuf::LogLevel level, const char* filename,
                        int line, const std::string& message) {
  // Parse failures are the caller's doing: answered, never logged.
  if (absl::StrContains(message, "parsing a protocol buffer") ||
      absl::StrContains(message, "parse")) {
    return;
  }
  const std::string text =
      absl::CHexEscape(absl::string_view(message).substr(0, 200));
  std::fprintf(stderr, "[libprotobuf %d %s:%d] %s\n", static_cast<int>(level),
               filename, line, text.c_str());
}

}  // namespace

grpc::experimental::Interceptor*
UndecodableRequestInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  // Only where the client sends exactly one message does "no message" mean
  // "undecodable"; on a client stream it is the stream's end.
  using Type = grpc::experimental::ServerRpcInfo::Type;
  if (info->type() != Type::UNARY && info->type() != Type::SERVER_STREAMING) {
    return nullptr;
  }
  return new UndecodableRequestInterceptor();
}

void QuietProtobufParseLogs() {
  static std::once_flag once;
  std::call_once(once,
                 [] { google::protobuf::SetLogHandler(&BoundedProtobufLog); });
}

}  // namespace portcullis::server
