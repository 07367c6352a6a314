#include "shared_state/redis_counter_store.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "shared_state/counter_keys.h"
#include "shared_state/internal/charge_scripts.h"
#include "shared_state/internal/fixed_point.h"
#include "shared_state/internal/redis_connection.h"

namespace portcullis::shared_state {
namespace {

using shared_state_internal::ErrorReply;
using shared_state_internal::FromFixedPoint;
using shared_state_internal::RedisConnection;
using shared_state_internal::RedisReply;
using shared_state_internal::RunScript;
using shared_state_internal::ToFixedPoint;

constexpr size_t kMaxCharges = 1000;
// Scores are doubles: integers beyond 2^53 microseconds would round.
constexpr int64_t kMaxExactScore = int64_t{1} << 53;
// Keys outlive their window by this much, so a gate whose clock runs ahead
// of Redis's never finds its events expired early.
constexpr int64_t kExpirySlackMillis = 60 * 1000;

bool ExactScore(int64_t micros) {
  return micros > -kMaxExactScore && micros < kMaxExactScore;
}

// One charge as the scripts take it.
struct EncodedCharge {
  CounterKeys keys;
  std::string member;
  std::string start;   // the window's start, microseconds
  std::string expiry;  // milliseconds
  std::string kind;    // "r" for one event, else the amount in fixed point
  std::string ceiling;
};

absl::StatusOr<EncodedCharge> Encode(absl::string_view prefix,
                                     const gate::ChargeBatch& batch,
                                     size_t index, int64_t at) {
  const policy::UsageCharge& charge = batch.charges[index];
  EncodedCharge out;
  PORTCULLIS_ASSIGN_OR_RETURN(
      out.keys, KeysOfCounter(prefix, batch.tenant, charge.counter));
  int64_t window = absl::ToInt64Microseconds(charge.window);
  if (window <= 0 || !ExactScore(window) || !ExactScore(at - window)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the window of counter ", charge.counter, " is out of range"));
  }
  out.start = absl::StrCat(at - window);
  out.expiry = absl::StrCat((window + 999) / 1000 + kExpirySlackMillis);
  out.kind = charge.amount.has_value() ? ToFixedPoint(*charge.amount) : "r";
  if (charge.ceiling.has_value()) {
    if (charge.ceiling->max.is_negative()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the ceiling of counter ", charge.counter, " is negative"));
    }
    out.ceiling = ToFixedPoint(charge.ceiling->max);
  }
  out.member = absl::StrCat(batch.id, "#", index, "#", out.kind);
  return out;
}

absl::StatusOr<std::vector<EncodedCharge>> EncodeBatch(
    absl::string_view prefix, const gate::ChargeBatch& batch) {
  PORTCULLIS_RETURN_IF_ERROR(ValidateBatchId(batch.id));
  if (batch.charges.size() > kMaxCharges) {
    return absl::InvalidArgumentError(
        absl::StrCat("a batch has at most ", kMaxCharges, " charges"));
  }
  int64_t at = absl::ToUnixMicros(batch.at);
  if (!ExactScore(at)) {
    return absl::InvalidArgumentError("the batch time is out of range");
  }
  std::vector<EncodedCharge> out;
  out.reserve(batch.charges.size());
  for (size_t i = 0; i < batch.charges.size(); ++i) {
    PORTCULLIS_ASSIGN_OR_RETURN(EncodedCharge charge,
                                Encode(prefix, batch, i, at));
    out.push_back(std::move(charge));
  }
  return out;
}

// The key marking `batch` given up, and how long it must last (ms): as
// long as the longest of its charges' keys.
struct GivenUp {
  std::string key;
  std::string ttl;
};
absl::StatusOr<GivenUp> GivenUpOf(absl::string_view prefix,
                                  const gate::ChargeBatch& batch) {
  GivenUp out;
  PORTCULLIS_ASSIGN_OR_RETURN(
      out.key, KeyOfGivenUpBatch(prefix, batch.tenant, batch.id));
  int64_t longest = 0;
  for (const policy::UsageCharge& charge : batch.charges) {
    longest = std::max(longest, absl::ToInt64Microseconds(charge.window));
  }
  out.ttl = absl::StrCat((longest + 999) / 1000 + kExpirySlackMillis);
  return out;
}

// An error reply, shortened: Redis's errors name commands and states,
// never a secret.
// "20 of 20 per 1h used across replicas", or for spend "12.5 USD of 50 USD
// per 1h used across replicas; this adds 3 USD".
std::string UsageText(const policy::UsageCharge& charge,
                      absl::string_view used_fixed) {
  absl::StatusOr<policy::Decimal> used = FromFixedPoint(used_fixed);
  std::string used_text = used.ok() ? used->ToString() : "more than 10^18";
  std::string max = charge.ceiling->max.ToString();
  std::string window = absl::FormatDuration(charge.window);
  if (!charge.amount.has_value()) {
    return absl::StrCat(used_text, " of ", max, " per ", window,
                        " used across replicas");
  }
  std::string unit = charge.ceiling->unit.empty()
                         ? ""
                         : absl::StrCat(" ", charge.ceiling->unit);
  return absl::StrCat(used_text, unit, " of ", max, unit, " per ", window,
                      " used across replicas; this adds ",
                      charge.amount->ToString(), unit);
}

// {1}: charged; {0, index, usage}: refused. Anything else is a store that
// cannot be trusted: Unavailable.
absl::StatusOr<gate::ChargeOutcome> ReadChargeReply(
    const gate::ChargeBatch& batch, const RedisReply& reply) {
  using Type = RedisReply::Type;
  const std::vector<RedisReply>& e = reply.elements;
  if (reply.type != Type::kArray || e.empty() || e[0].type != Type::kInteger) {
    return absl::UnavailableError("redis: unexpected reply to a charge");
  }
  if (e.size() == 1 && e[0].integer == 1) {
    return gate::ChargeOutcome{.charged = true};
  }
  if (e.size() == 1 && e[0].integer == 2) {
    return absl::UnavailableError(
        "redis: this batch was given up before; it is not charged");
  }
  if (e.size() != 3 || e[0].integer != 0 || e[1].type != Type::kInteger ||
      e[1].integer < 0 ||
      static_cast<size_t>(e[1].integer) >= batch.charges.size() ||
      e[2].type != Type::kString ||
      !batch.charges[e[1].integer].ceiling.has_value()) {
    return absl::UnavailableError("redis: unexpected reply to a charge");
  }
  size_t refused = static_cast<size_t>(e[1].integer);
  return gate::ChargeOutcome{
      .charged = false,
      .refused = refused,
      .usage_text = UsageText(batch.charges[refused], e[2].text)};
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisCounterStore>> RedisCounterStore::Create(
    RedisCounterStoreOptions options, const Clock* clock) {
  PORTCULLIS_RETURN_IF_ERROR(ValidateKeyPrefix(options.key_prefix));
  PORTCULLIS_ASSIGN_OR_RETURN(std::unique_ptr<RedisConnection> connection,
                              shared_state_internal::NewRedisConnection(
                                  options, options.down_window, clock));
  return std::unique_ptr<RedisCounterStore>(
      new RedisCounterStore(std::move(options), std::move(connection)));
}

RedisCounterStore::RedisCounterStore(
    RedisCounterStoreOptions options,
    std::unique_ptr<RedisConnection> connection)
    : options_(std::move(options)),
      down_(connection->down_window()),
      connection_(std::move(connection)) {}

RedisCounterStore::~RedisCounterStore() = default;

absl::StatusOr<gate::ChargeOutcome> RedisCounterStore::Charge(
    const gate::ChargeBatch& batch) {
  PORTCULLIS_ASSIGN_OR_RETURN(std::vector<EncodedCharge> charges,
                              EncodeBatch(options_.key_prefix, batch));
  if (charges.empty()) return gate::ChargeOutcome{.charged = true};
  std::vector<std::string> keys;
  std::vector<std::string> args;
  keys.reserve(charges.size() * shared_state_internal::kKeysPerCharge);
  args.reserve(1 +
               charges.size() * shared_state_internal::kChargeArgsPerCharge);
  args.push_back(absl::StrCat(absl::ToUnixMicros(batch.at)));
  for (EncodedCharge& charge : charges) {
    keys.push_back(std::move(charge.keys.events));
    keys.push_back(std::move(charge.keys.sum));
    args.push_back(std::move(charge.member));
    args.push_back(std::move(charge.start));
    args.push_back(std::move(charge.expiry));
    args.push_back(std::move(charge.kind));
    args.push_back(std::move(charge.ceiling));
  }
  PORTCULLIS_ASSIGN_OR_RETURN(GivenUp given_up,
                              GivenUpOf(options_.key_prefix, batch));
  keys.push_back(std::move(given_up.key));
  // Redis failed a moment ago: deny at once rather than queue for the
  // connection (a probe may hold it for the timeouts).
  PORTCULLIS_RETURN_IF_ERROR(down_->Check());
  absl::MutexLock lock(&mu_);
  // Checked again now that the connection is ours: a call that failed
  // while this one queued has started the window, and a charge the
  // connection refuses to send must not be owed a refund.
  PORTCULLIS_RETURN_IF_ERROR(down_->Check());
  PORTCULLIS_RETURN_IF_ERROR(SettleOwed());
  absl::StatusOr<RedisReply> reply =
      RunScript(*connection_, shared_state_internal::ChargeScript(),
                charge_sha_, keys, args);
  if (!reply.ok()) {
    // No answer: the charge may still run. It is refunded (and the batch
    // given up) before anything else once Redis answers again.
    Owe(batch);
    return reply.status();
  }
  return ReadChargeReply(batch, *reply);
}

void RedisCounterStore::Owe(const gate::ChargeBatch& batch) {
  // Past the bound the oldest is forgotten: its charge, if it ran, counts
  // until its window ends, which can only refuse more.
  if (owed_.size() >= kMaxOwedRefunds) owed_.pop_front();
  owed_.push_back(batch);
}

absl::Status RedisCounterStore::SettleOwed() {
  while (!owed_.empty()) {
    PORTCULLIS_RETURN_IF_ERROR(RefundLocked(owed_.front()));
    owed_.pop_front();
  }
  return absl::OkStatus();
}

absl::Status RedisCounterStore::Refund(const gate::ChargeBatch& batch) {
  // Checked before it is owed: an owed refund always encodes.
  PORTCULLIS_RETURN_IF_ERROR(EncodeBatch(options_.key_prefix, batch).status());
  PORTCULLIS_RETURN_IF_ERROR(GivenUpOf(options_.key_prefix, batch).status());
  absl::MutexLock lock(&mu_);
  absl::Status settled = SettleOwed();
  absl::Status refunded = settled.ok() ? RefundLocked(batch) : settled;
  if (!refunded.ok()) Owe(batch);
  return refunded;
}

absl::Status RedisCounterStore::RefundLocked(const gate::ChargeBatch& batch) {
  PORTCULLIS_ASSIGN_OR_RETURN(std::vector<EncodedCharge> charges,
                              EncodeBatch(options_.key_prefix, batch));
  if (charges.empty()) return absl::OkStatus();
  PORTCULLIS_ASSIGN_OR_RETURN(GivenUp given_up,
                              GivenUpOf(options_.key_prefix, batch));
  std::vector<std::string> keys;
  std::vector<std::string> members;
  keys.reserve(charges.size() * shared_state_internal::kKeysPerCharge);
  members.reserve(charges.size());
  for (EncodedCharge& charge : charges) {
    keys.push_back(std::move(charge.keys.events));
    keys.push_back(std::move(charge.keys.sum));
    members.push_back(std::move(charge.member));
  }
  keys.push_back(std::move(given_up.key));
  members.push_back(std::move(given_up.ttl));
  absl::StatusOr<RedisReply> reply =
      RunScript(*connection_, shared_state_internal::RefundScript(),
                refund_sha_, keys, members);
  return reply.status();
}

absl::Status RedisCounterStore::Ping() {
  PORTCULLIS_RETURN_IF_ERROR(down_->Check());
  absl::MutexLock lock(&mu_);
  PORTCULLIS_ASSIGN_OR_RETURN(RedisReply reply, connection_->Run({"PING"}));
  if (reply.type != RedisReply::Type::kStatus || reply.text != "PONG") {
    return ErrorReply(reply);
  }
  return SettleOwed();
}

size_t RedisCounterStore::owed_refunds() {
  absl::MutexLock lock(&mu_);
  return owed_.size();
}

}  // namespace portcullis::shared_state
