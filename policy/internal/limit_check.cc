#include "policy/internal/limit_check.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "policy/internal/literals.h"
#include "policy/internal/tool.h"
#include "policy/internal/verdict_builder.h"

namespace portcullis::policy::policy_internal {
namespace {

bool IsKeySafe(char c) {
  return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == ':' ||
         c == '@' || c == '-';
}

// The scope value as text: strings and enums as they are, ints in decimal,
// bools as true/false.
void AppendScopeValue(const Value& value, std::string* out) {
  if (const auto* s = std::get_if<std::string>(&value.v)) {
    AppendEncoded(*s, out);
  } else if (const auto* i = std::get_if<int64_t>(&value.v)) {
    absl::StrAppend(out, *i);
  } else if (const auto* b = std::get_if<bool>(&value.v)) {
    out->append(*b ? "true" : "false");
  }
}

}  // namespace

void AppendEncoded(absl::string_view value, std::string* out) {
  constexpr char kHex[] = "0123456789ABCDEF";
  size_t run = 0;  // start of the current run of safe characters
  for (size_t i = 0; i < value.size(); ++i) {
    if (IsKeySafe(value[i])) continue;
    out->append(value.data() + run, i - run);
    unsigned char u = static_cast<unsigned char>(value[i]);
    char escaped[3] = {'%', kHex[u >> 4], kHex[u & 0xf]};
    out->append(escaped, 3);
    run = i + 1;
  }
  out->append(value.data() + run, value.size() - run);
}

std::string EncodeKeyValue(absl::string_view value) {
  std::string out;
  AppendEncoded(value, &out);
  return out;
}

namespace {

// How a `per session` scope is written into a counter key.
enum class SessionKey {
  kAgentAndSession,  // "/agent=<agent>/session=<id>": what is charged
  kSessionOnly,      // "/session=<id>": keys written before 2026-12
};

std::string BuildCounterKey(const Rule& rule, const EvalInput& input,
                            SessionKey session_key) {
  std::string key;
  key.reserve(rule.counter_prefix.size() + 48);
  key = rule.counter_prefix;
  for (const LimitScope& scope : rule.limit.scopes) {
    switch (scope.kind) {
      case LimitScope::Kind::kAgent:
        key.append(scope.key_part);
        AppendEncoded(input.action->agent, &key);
        break;
      case LimitScope::Kind::kTool:
        key.append(scope.key_part);
        AppendEncoded(input.tool->name, &key);
        break;
      case LimitScope::Kind::kSession:
        // A session id is chosen by the caller, so two agents can send the
        // same one: the session is kept per agent, as sessions are.
        if (session_key == SessionKey::kAgentAndSession) {
          key.append("/agent=");
          AppendEncoded(input.action->agent, &key);
        }
        key.append(scope.key_part);
        AppendEncoded(input.action->context.session_id, &key);
        break;
      case LimitScope::Kind::kArgument:
        key.append(scope.key_part);
        AppendScopeValue(*input.args[scope.slot], &key);
        break;
    }
  }
  return key;
}

}  // namespace

std::string CounterKey(const Rule& rule, const EvalInput& input) {
  return BuildCounterKey(rule, input, SessionKey::kAgentAndSession);
}

LimitResult CheckLimit(const Rule& rule, const EvalInput& input,
                       const UsageView& usage, bool describe) {
  const Limit& limit = rule.limit;
  LimitResult result;
  result.charge.counter = CounterKey(rule, input);
  result.charge.window = limit.window;
  absl::Time since = input.now - limit.window;
  // Usage charged under the old `per session` key (the session id alone)
  // still counts until it leaves the window, so the change of key never
  // hands a session a fresh limit; it can only count more, never less.
  std::string legacy;
  if (limit.session_scoped) {
    legacy = BuildCounterKey(rule, input, SessionKey::kSessionOnly);
  }
  if (!limit.spend) {
    int64_t used = usage.Count(result.charge.counter, since);
    if (!legacy.empty()) used += usage.Count(legacy, since);
    result.exceeded = used >= limit.max_count;
    if (!result.exceeded) {
      result.charge.ceiling = UsageCeiling{
          Decimal::FromInteger(limit.max_count), Cite(rule), rule.reason, ""};
    }
    if (describe || result.exceeded) {
      result.usage_text = absl::StrCat(used, " of ", limit.max_count, " per ",
                                       DurationText(limit.window), " used");
    }
    return result;
  }
  const auto* money = std::get_if<Money>(&input.args[limit.amount_slot]->v);
  Decimal amount = money != nullptr ? money->amount : Decimal();
  result.charge.amount = amount;
  Decimal spent = usage.Sum(result.charge.counter, since);
  bool overflow = false;
  if (!legacy.empty()) {
    absl::StatusOr<Decimal> both = spent.Add(usage.Sum(legacy, since));
    overflow = !both.ok();
    if (both.ok()) spent = *both;
  }
  absl::StatusOr<Decimal> total = spent.Add(amount);
  result.exceeded = overflow || !total.ok() || *total > limit.cap;
  if (!result.exceeded) {
    result.charge.ceiling =
        UsageCeiling{limit.cap, Cite(rule), rule.reason, limit.currency};
  }
  if (describe || result.exceeded) {
    result.usage_text = absl::StrCat(
        spent.ToString(), " ", limit.currency, " of ", limit.cap.ToString(),
        " ", limit.currency, " per ", DurationText(limit.window),
        " used; this adds ", amount.ToString(), " ", limit.currency);
  }
  return result;
}

}  // namespace portcullis::policy::policy_internal
