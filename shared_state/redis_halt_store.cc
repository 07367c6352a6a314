#include "shared_state/redis_halt_store.h"

#include <cstdint>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "crypto/random.h"
#include "shared_state/counter_keys.h"
#include "shared_state/internal/redis_connection.h"

namespace portcullis::shared_state {
namespace {

using shared_state_internal::ErrorReply;
using shared_state_internal::RedisConnection;
using shared_state_internal::RedisReply;

// KEYS[1] the halts' hash. ARGV: target, halted ("1" or "0"), reason,
// principal, replica, time (Unix ms), the change's id. Returns 1 when it
// made the change (or made it before: the same id), 0 when the target was
// already so (a target never halted is not halted).
constexpr char kPublishScript[] = R"lua(
local t = ARGV[1]
local cur = redis.call('HMGET', KEYS[1], t .. '/halted', t .. '/id')
if cur[2] == ARGV[7] then return 1 end
if (cur[1] == '1') == (ARGV[2] == '1') then return 0 end
redis.call('HSET', KEYS[1], t .. '/halted', ARGV[2], t .. '/reason', ARGV[3],
           t .. '/principal', ARGV[4], t .. '/replica', ARGV[5],
           t .. '/at', ARGV[6], t .. '/id', ARGV[7])
return 1
)lua";

constexpr char kGateTarget[] = "*";

bool Printable(absl::string_view text) {
  for (char c : text) {
    if (absl::ascii_iscntrl(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::Status ValidateHalt(const gate::SharedHalt& halt) {
  if (!halt.tenant.empty()) {
    if (absl::Status s = ValidateTenantId(halt.tenant); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("tenant: ", s.message()));
    }
  }
  if (halt.reason.empty() || halt.reason.size() > kMaxHaltReasonBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a halt's reason holds 1 to ", kMaxHaltReasonBytes, " bytes"));
  }
  if (halt.principal.size() > kMaxHaltPrincipalBytes ||
      !Printable(halt.principal)) {
    return absl::InvalidArgumentError(
        absl::StrCat("a halt's principal holds at most ",
                     kMaxHaltPrincipalBytes, " printable bytes"));
  }
  if (!halt.replica.empty()) {
    if (absl::Status s = ValidateReplicaName(halt.replica); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("replica: ", s.message()));
    }
  }
  return absl::OkStatus();
}

// One target's fields, as HGETALL returned them, into a SharedHalt; nullopt
// when they are not well formed (left out: see gate::HaltStore::Read).
std::optional<gate::SharedHalt> ParseHalt(
    absl::string_view target, const std::map<std::string, std::string>& f) {
  gate::SharedHalt halt;
  if (target != kGateTarget) {
    if (!ValidateTenantId(target).ok()) return std::nullopt;
    halt.tenant = std::string(target);
  }
  auto field = [&](const char* name) -> const std::string* {
    auto it = f.find(name);
    return it == f.end() ? nullptr : &it->second;
  };
  const std::string* halted = field("halted");
  const std::string* reason = field("reason");
  const std::string* at = field("at");
  int64_t millis = 0;
  if (halted == nullptr || (*halted != "0" && *halted != "1") ||
      reason == nullptr || at == nullptr || !absl::SimpleAtoi(*at, &millis)) {
    return std::nullopt;
  }
  halt.halted = *halted == "1";
  halt.reason = *reason;
  if (const std::string* p = field("principal")) halt.principal = *p;
  if (const std::string* r = field("replica")) halt.replica = *r;
  halt.at = absl::FromUnixMillis(millis);
  if (!ValidateHalt(halt).ok()) return std::nullopt;
  return halt;
}

}  // namespace

absl::StatusOr<std::string> KeyOfHalts(absl::string_view prefix) {
  PORTCULLIS_RETURN_IF_ERROR(ValidateKeyPrefix(prefix));
  return absl::StrCat(prefix, "{:halts}");
}

absl::StatusOr<std::unique_ptr<RedisHaltStore>> RedisHaltStore::Create(
    RedisCounterStoreOptions options) {
  PORTCULLIS_ASSIGN_OR_RETURN(std::string key, KeyOfHalts(options.key_prefix));
  PORTCULLIS_ASSIGN_OR_RETURN(
      std::unique_ptr<RedisConnection> connection,
      shared_state_internal::NewRedisConnection(options));
  return std::unique_ptr<RedisHaltStore>(new RedisHaltStore(
      std::move(options), std::move(key), std::move(connection)));
}

RedisHaltStore::RedisHaltStore(RedisCounterStoreOptions options,
                               std::string key,
                               std::unique_ptr<RedisConnection> connection)
    : options_(std::move(options)),
      key_(std::move(key)),
      connection_(std::move(connection)) {}

RedisHaltStore::~RedisHaltStore() = default;

absl::StatusOr<bool> RedisHaltStore::Publish(const gate::SharedHalt& halt) {
  PORTCULLIS_RETURN_IF_ERROR(ValidateHalt(halt));
  std::vector<std::string> args = {
      halt.tenant.empty() ? kGateTarget : halt.tenant,
      halt.halted ? "1" : "0",
      halt.reason,
      halt.principal,
      halt.replica,
      absl::StrCat(absl::ToUnixMillis(halt.at)),
      crypto::RandomId()};
  absl::MutexLock lock(&mu_);
  PORTCULLIS_ASSIGN_OR_RETURN(
      RedisReply reply,
      shared_state_internal::RunScript(*connection_, kPublishScript,
                                       publish_sha_, {key_}, args));
  if (reply.type != RedisReply::Type::kInteger) return ErrorReply(reply);
  return reply.integer == 1;
}

absl::StatusOr<std::vector<gate::SharedHalt>> RedisHaltStore::Read() {
  RedisReply reply;
  {
    absl::MutexLock lock(&mu_);
    PORTCULLIS_ASSIGN_OR_RETURN(reply, connection_->Run({"HGETALL", key_}));
  }
  if (reply.type != RedisReply::Type::kArray ||
      reply.elements.size() % 2 != 0) {
    return ErrorReply(reply);
  }
  // target -> field -> value
  std::map<std::string, std::map<std::string, std::string>> targets;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    const std::string& name = reply.elements[i].text;
    const size_t slash = name.rfind('/');
    if (slash == std::string::npos) continue;
    targets[name.substr(0, slash)][name.substr(slash + 1)] =
        std::move(reply.elements[i + 1].text);
  }
  std::vector<gate::SharedHalt> out;
  for (const auto& [target, fields] : targets) {
    if (std::optional<gate::SharedHalt> halt = ParseHalt(target, fields)) {
      out.push_back(*std::move(halt));
    }
  }
  return out;
}

}  // namespace portcullis::shared_state
