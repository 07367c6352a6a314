#include "shared_state/redis_approval_exchange.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "shared_state/counter_keys.h"
#include "shared_state/internal/redis_connection.h"

namespace portcullis::shared_state {
namespace {

using shared_state_internal::ErrorReply;
using shared_state_internal::RedisConnection;
using shared_state_internal::RedisReply;
using shared_state_internal::RunScript;

constexpr size_t kMaxCallIdLength = 64;
constexpr size_t kMaxPendingPerPublication = 10000;

// KEYS[1] the replica's hash, KEYS[2] the holders set. ARGV[1] the expiry
// in ms, ARGV[2] the replica, then decision id and listing pairs.
constexpr char kPublishScript[] = R"lua(
redis.call('DEL', KEYS[1])
if #ARGV > 2 then
  for i = 3, #ARGV, 2 do
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  redis.call('SADD', KEYS[2], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
else
  redis.call('SREM', KEYS[2], ARGV[2])
end
return 1
)lua";

// KEYS[1] the holders set. ARGV[1] the prefix of the replicas' hashes,
// ARGV[2] this replica. Returns replica, count, then id and listing pairs,
// for every other holder; forgets holders whose hash expired.
constexpr char kListScript[] = R"lua(
local out = {}
for _, replica in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if replica ~= ARGV[2] then
    local pending = redis.call('HGETALL', ARGV[1] .. replica)
    if #pending == 0 then
      redis.call('SREM', KEYS[1], replica)
    else
      table.insert(out, replica)
      table.insert(out, tostring(#pending / 2))
      for _, v in ipairs(pending) do table.insert(out, v) end
    end
  end
end
return out
)lua";

// KEYS[1] the inbox. ARGV[1] the element, ARGV[2] the expiry in ms.
constexpr char kSendScript[] = R"lua(
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
)lua";

absl::Status ValidateCallId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxCallIdLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a relayed call's id holds 1 to ", kMaxCallIdLength, " characters"));
  }
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '-') {
      return absl::InvalidArgumentError(
          "a relayed call's id holds only A-Z a-z 0-9 _ -");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckBytes(absl::string_view what, absl::string_view bytes) {
  if (bytes.size() > kMaxRelayedBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " holds ", bytes.size(), " bytes; the limit is ",
                     kMaxRelayedBytes));
  }
  return absl::OkStatus();
}

absl::Status CheckTenant(absl::string_view tenant) {
  if (absl::Status s = ValidateTenantId(tenant); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("tenant: ", s.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Millis(absl::Duration ttl) {
  const int64_t ms = absl::ToInt64Milliseconds(ttl);
  if (ms <= 0 || ms > int64_t{7} * 24 * 3600 * 1000) {
    return absl::InvalidArgumentError("a time to live of 1 ms to 7 days");
  }
  return ms;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisApprovalExchange>>
RedisApprovalExchange::Create(RedisCounterStoreOptions options,
                              std::string replica) {
  PORTCULLIS_RETURN_IF_ERROR(ValidateKeyPrefix(options.key_prefix));
  PORTCULLIS_RETURN_IF_ERROR(ValidateReplicaName(replica));
  PORTCULLIS_ASSIGN_OR_RETURN(
      std::unique_ptr<RedisConnection> connection,
      shared_state_internal::NewRedisConnection(options));
  return std::unique_ptr<RedisApprovalExchange>(new RedisApprovalExchange(
      std::move(options), std::move(replica), std::move(connection)));
}

RedisApprovalExchange::RedisApprovalExchange(
    RedisCounterStoreOptions options, std::string replica,
    std::unique_ptr<RedisConnection> connection)
    : options_(std::move(options)),
      replica_(std::move(replica)),
      connection_(std::move(connection)) {}

RedisApprovalExchange::~RedisApprovalExchange() = default;

absl::Status RedisApprovalExchange::Publish(
    absl::string_view tenant, const std::map<std::string, std::string>& pending,
    absl::Duration ttl) {
  PORTCULLIS_RETURN_IF_ERROR(CheckTenant(tenant));
  PORTCULLIS_ASSIGN_OR_RETURN(int64_t ms, Millis(ttl));
  if (pending.size() > kMaxPendingPerPublication) {
    return absl::InvalidArgumentError(
        absl::StrCat("at most ", kMaxPendingPerPublication,
                     " pending requests are published at once"));
  }
  const std::string base = absl::StrCat(options_.key_prefix, "{", tenant, "}");
  std::vector<std::string> args = {absl::StrCat(ms), replica_};
  args.reserve(2 + 2 * pending.size());
  for (const auto& [id, listing] : pending) {
    if (absl::Status s = ValidateDecisionId(id); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("decision id: ", s.message()));
    }
    PORTCULLIS_RETURN_IF_ERROR(CheckBytes("a listing", listing));
    args.push_back(id);
    args.push_back(listing);
  }
  absl::MutexLock lock(&mu_);
  return RunScript(*connection_, kPublishScript, publish_sha_,
                   {absl::StrCat(base, ":p:", replica_),
                    absl::StrCat(base, ":holders")},
                   args)
      .status();
}

absl::StatusOr<std::vector<gate::SharedPending>>
RedisApprovalExchange::ListOthers(absl::string_view tenant) {
  PORTCULLIS_RETURN_IF_ERROR(CheckTenant(tenant));
  const std::string base = absl::StrCat(options_.key_prefix, "{", tenant, "}");
  RedisReply reply;
  {
    absl::MutexLock lock(&mu_);
    PORTCULLIS_ASSIGN_OR_RETURN(
        reply, RunScript(*connection_, kListScript, list_sha_,
                         {absl::StrCat(base, ":holders")},
                         {absl::StrCat(base, ":p:"), replica_}));
  }
  if (reply.type != RedisReply::Type::kArray) return ErrorReply(reply);
  std::vector<gate::SharedPending> out;
  const std::vector<RedisReply>& e = reply.elements;
  size_t i = 0;
  while (i + 1 < e.size()) {
    const std::string& replica = e[i].text;
    size_t count = 0;
    if (!absl::SimpleAtoi(e[i + 1].text, &count) ||
        count > (e.size() - i - 2) / 2) {
      return absl::UnavailableError("redis: a malformed listing");
    }
    i += 2;
    const bool valid_replica = ValidateReplicaName(replica).ok();
    for (size_t k = 0; k < count; ++k, i += 2) {
      // What is not well formed is left out.
      if (!valid_replica || !ValidateDecisionId(e[i].text).ok()) continue;
      out.push_back({replica, e[i].text, e[i + 1].text});
    }
  }
  return out;
}

absl::Status RedisApprovalExchange::Send(absl::string_view replica,
                                         const gate::RelayedCall& call,
                                         absl::Duration ttl) {
  PORTCULLIS_RETURN_IF_ERROR(ValidateReplicaName(replica));
  PORTCULLIS_RETURN_IF_ERROR(ValidateCallId(call.id));
  PORTCULLIS_RETURN_IF_ERROR(CheckBytes("a relayed call", call.bytes));
  PORTCULLIS_ASSIGN_OR_RETURN(int64_t ms, Millis(ttl));
  absl::MutexLock lock(&mu_);
  return RunScript(*connection_, kSendScript, send_sha_,
                   {absl::StrCat(options_.key_prefix, "{:relay}:in:", replica)},
                   {absl::StrCat(call.id, " ", call.bytes), absl::StrCat(ms)})
      .status();
}

absl::StatusOr<std::vector<gate::RelayedCall>> RedisApprovalExchange::Receive(
    size_t max) {
  if (max == 0) return std::vector<gate::RelayedCall>{};
  RedisReply reply;
  {
    absl::MutexLock lock(&mu_);
    PORTCULLIS_ASSIGN_OR_RETURN(
        reply, connection_->Run(
                   {"LPOP",
                    absl::StrCat(options_.key_prefix, "{:relay}:in:", replica_),
                    absl::StrCat(max)}));
  }
  std::vector<gate::RelayedCall> out;
  if (reply.type == RedisReply::Type::kNil) return out;
  if (reply.type != RedisReply::Type::kArray) return ErrorReply(reply);
  for (RedisReply& element : reply.elements) {
    const size_t space = element.text.find(' ');
    if (space == std::string::npos) continue;
    gate::RelayedCall call{element.text.substr(0, space),
                           element.text.substr(space + 1)};
    if (!ValidateCallId(call.id).ok()) continue;
    out.push_back(std::move(call));
  }
  return out;
}

absl::Status RedisApprovalExchange::Answer(const gate::RelayedCall& answer,
                                           absl::Duration ttl) {
  PORTCULLIS_RETURN_IF_ERROR(ValidateCallId(answer.id));
  PORTCULLIS_RETURN_IF_ERROR(CheckBytes("an answer", answer.bytes));
  PORTCULLIS_ASSIGN_OR_RETURN(int64_t ms, Millis(ttl));
  RedisReply reply;
  {
    absl::MutexLock lock(&mu_);
    PORTCULLIS_ASSIGN_OR_RETURN(
        reply,
        connection_->Run(
            {"SET", absl::StrCat(options_.key_prefix, "{:relay}:a:", answer.id),
             answer.bytes, "PX", absl::StrCat(ms)}));
  }
  if (reply.type != RedisReply::Type::kStatus) return ErrorReply(reply);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> RedisApprovalExchange::TakeAnswer(
    absl::string_view id) {
  PORTCULLIS_RETURN_IF_ERROR(ValidateCallId(id));
  RedisReply reply;
  {
    absl::MutexLock lock(&mu_);
    PORTCULLIS_ASSIGN_OR_RETURN(
        reply, connection_->Run({"GETDEL", absl::StrCat(options_.key_prefix,
                                                        "{:relay}:a:", id)}));
  }
  if (reply.type == RedisReply::Type::kNil) return std::nullopt;
  if (reply.type != RedisReply::Type::kString) return ErrorReply(reply);
  return std::move(reply.text);
}

}  // namespace portcullis::shared_state
