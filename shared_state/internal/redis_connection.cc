#include "shared_state/internal/redis_connection.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace portcullis::shared_state::shared_state_internal {
namespace {

timeval Timeout(absl::Duration d) {
  if (d <= absl::ZeroDuration()) d = absl::Milliseconds(1);
  return absl::ToTimeval(d);
}

RedisReply Copy(const redisReply& in) {
  RedisReply out;
  switch (in.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.text.assign(in.str, in.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.text.assign(in.str, in.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.text.assign(in.str, in.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = in.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(in.elements);
      for (size_t i = 0; i < in.elements; ++i) {
        out.elements.push_back(Copy(*in.element[i]));
      }
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

}  // namespace

absl::StatusOr<RedisEndpoint> ParseRedisAddress(absl::string_view address) {
  RedisEndpoint endpoint;
  absl::string_view host;
  absl::string_view port;
  if (!address.empty() && address[0] == '[') {
    size_t close = address.find("]:");
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError("redis address: want [v6]:port");
    }
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
  } else {
    size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError("redis address: want host:port");
    }
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  if (host.empty() || host.size() > 253 ||
      !absl::SimpleAtoi(port, &endpoint.port) || endpoint.port <= 0 ||
      endpoint.port > 65535) {
    return absl::InvalidArgumentError("redis address: want host:port");
  }
  endpoint.host = std::string(host);
  return endpoint;
}

RedisConnection::RedisConnection(RedisEndpoint endpoint,
                                 absl::Duration connect_timeout,
                                 absl::Duration command_timeout)
    : endpoint_(std::move(endpoint)),
      connect_timeout_(connect_timeout),
      command_timeout_(command_timeout) {}

RedisConnection::~RedisConnection() { Drop(); }

void RedisConnection::Drop() {
  if (context_ != nullptr) redisFree(context_);
  context_ = nullptr;
}

absl::Status RedisConnection::Connect() {
  context_ = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port,
                                     Timeout(connect_timeout_));
  if (context_ == nullptr) {
    return absl::UnavailableError("redis: cannot allocate a connection");
  }
  if (context_->err != 0 ||
      redisSetTimeout(context_, Timeout(command_timeout_)) != REDIS_OK) {
    std::string why = context_->errstr;
    Drop();
    return absl::UnavailableError(absl::StrCat("redis: cannot connect to ",
                                               endpoint_.host, ":",
                                               endpoint_.port, " (", why, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<RedisReply> RedisConnection::Run(
    const std::vector<std::string>& args) {
  if (context_ == nullptr) {
    if (absl::Status connected = Connect(); !connected.ok()) return connected;
  }
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(redisCommandArgv(
      context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  if (reply == nullptr) {
    // The connection is unusable after an I/O error or a timeout.
    std::string why = context_->err != 0 ? context_->errstr : "no reply";
    Drop();
    return absl::UnavailableError(absl::StrCat("redis: ", why));
  }
  RedisReply out = Copy(*reply);
  freeReplyObject(reply);
  return out;
}

}  // namespace portcullis::shared_state::shared_state_internal
