#include "shared_state/internal/redis_transport.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"

namespace portcullis::shared_state::shared_state_internal {
namespace {

timeval Timeout(absl::Duration d) {
  if (d <= absl::ZeroDuration()) d = absl::Milliseconds(1);
  return absl::ToTimeval(d);
}

// A hiredis context: its blocking API with socket timeouts.
class PlainTransport final : public RedisTransport {
 public:
  explicit PlainTransport(redisContext* context) : context_(context) {}
  ~PlainTransport() override { redisFree(context_); }
  PlainTransport(const PlainTransport&) = delete;
  PlainTransport& operator=(const PlainTransport&) = delete;

  absl::StatusOr<RedisReply> RoundTrip(
      const std::vector<std::string>& args) override {
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
    const int error = errno;
    if (reply == nullptr) {
      // hiredis leaves the context unusable after an I/O error or a
      // timeout.
      closed_by_server_ = context_->err == REDIS_ERR_EOF ||
                          (context_->err == REDIS_ERR_IO &&
                           (error == ECONNRESET || error == EPIPE));
      return absl::UnavailableError(absl::StrCat(
          "redis: ", context_->err != 0 ? context_->errstr : "no reply"));
    }
    RedisReply out = CopyReply(*reply);
    freeReplyObject(reply);
    return out;
  }

  bool closed_by_server() const override { return closed_by_server_; }

 private:
  redisContext* const context_;  // owned
  bool closed_by_server_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RedisTransport>> ConnectPlain(
    const RedisEndpoint& endpoint, absl::Duration connect_timeout,
    absl::Duration command_timeout) {
  redisContext* context = redisConnectWithTimeout(
      endpoint.host.c_str(), endpoint.port, Timeout(connect_timeout));
  if (context == nullptr) {
    return absl::UnavailableError("redis: cannot allocate a connection");
  }
  if (context->err != 0 ||
      redisSetTimeout(context, Timeout(command_timeout)) != REDIS_OK) {
    std::string why = context->errstr;
    redisFree(context);
    return absl::UnavailableError(absl::StrCat("redis: cannot connect to ",
                                               endpoint.host, ":",
                                               endpoint.port, " (", why, ")"));
  }
  return std::make_unique<PlainTransport>(context);
}

RedisReply CopyReply(const redisReply& in) {
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
        out.elements.push_back(CopyReply(*in.element[i]));
      }
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

}  // namespace portcullis::shared_state::shared_state_internal
