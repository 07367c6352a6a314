#include "policy/internal/limit_check.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "policy/internal/literals.h"
#include "policy/internal/tool.h"

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
    absl::StrAppend(out, EncodeKeyValue(*s));
  } else if (const auto* i = std::get_if<int64_t>(&value.v)) {
    absl::StrAppend(out, *i);
  } else if (const auto* b = std::get_if<bool>(&value.v)) {
    absl::StrAppend(out, *b ? "true" : "false");
  }
}

}  // namespace

std::string EncodeKeyValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (IsKeySafe(c)) {
      out.push_back(c);
    } else {
      constexpr char kHex[] = "0123456789ABCDEF";
      unsigned char u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

std::string CounterKey(const Rule& rule, const EvalInput& input) {
  std::string key = absl::StrCat(rule.tenant, "/", rule.id);
  for (const LimitScope& scope : rule.limit.scopes) {
    absl::StrAppend(&key, "/", scope.label, "=");
    switch (scope.kind) {
      case LimitScope::Kind::kAgent:
        absl::StrAppend(&key, EncodeKeyValue(input.action->agent));
        break;
      case LimitScope::Kind::kTool:
        absl::StrAppend(&key, EncodeKeyValue(input.tool->name));
        break;
      case LimitScope::Kind::kSession:
        absl::StrAppend(&key, EncodeKeyValue(input.action->context.session_id));
        break;
      case LimitScope::Kind::kArgument:
        AppendScopeValue(*input.args[scope.slot], &key);
        break;
    }
  }
  return key;
}

LimitResult CheckLimit(const Rule& rule, const EvalInput& input,
                       const UsageView& usage, bool describe) {
  const Limit& limit = rule.limit;
  LimitResult result;
  result.charge.counter = CounterKey(rule, input);
  result.charge.window = limit.window;
  absl::Time since = input.now - limit.window;
  if (!limit.spend) {
    int64_t used = usage.Count(result.charge.counter, since);
    result.exceeded = used >= limit.max_count;
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
  absl::StatusOr<Decimal> total = spent.Add(amount);
  result.exceeded = !total.ok() || *total > limit.cap;
  if (describe || result.exceeded) {
    result.usage_text = absl::StrCat(
        spent.ToString(), " ", limit.currency, " of ", limit.cap.ToString(),
        " ", limit.currency, " per ", DurationText(limit.window),
        " used; this adds ", amount.ToString(), " ", limit.currency);
  }
  return result;
}

}  // namespace portcullis::policy::policy_internal
