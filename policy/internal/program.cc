#include "policy/internal/program.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "policy/builtin_rules.h"
#include "policy/internal/argument_binder.h"
#include "policy/internal/limit_check.h"
#include "policy/internal/quote.h"
#include "policy/internal/session.h"

namespace portcullis::policy::policy_internal {
namespace {

absl::Status CheckContext(const ActionContext& context) {
  if (context.confidence.has_value()) {
    double c = *context.confidence;
    if (!(c >= 0.0 && c <= 1.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("context.confidence must be between 0 and 1, got ", c));
    }
  }
  return absl::OkStatus();
}

// "applies: when args.value > 50 SAR is true (args.value = 50.01 SAR)".
std::string ExplainCondition(const Rule& rule, const EvalInput& input,
                             bool held, bool applies) {
  if (rule.condition == nullptr) return "applies always";
  std::string inputs = rule.condition->DescribeInputs(input);
  return absl::StrCat(applies ? "applies: " : "does not apply: ",
                      rule.unless ? "unless " : "when ", rule.condition_text,
                      " is ", held ? "true" : "false",
                      inputs.empty() ? "" : absl::StrCat(" (", inputs, ")"));
}

}  // namespace

Program::Program(std::string version,
                 absl::flat_hash_map<std::string, CompiledTenant> tenants,
                 std::vector<RuleInfo> rules)
    : version_(std::move(version)),
      tenants_(std::move(tenants)),
      rules_(std::move(rules)) {}

bool Program::HasTenant(absl::string_view tenant) const {
  return tenants_.contains(tenant);
}

std::vector<std::string> Program::Tenants() const {
  std::vector<std::string> out;
  out.reserve(tenants_.size());
  for (const auto& [name, tenant] : tenants_) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<ToolInfo> Program::Tools(absl::string_view tenant) const {
  std::vector<ToolInfo> out;
  auto it = tenants_.find(tenant);
  if (it == tenants_.end()) return out;
  out.reserve(it->second.tools.size());
  for (const auto& [name, tool] : it->second.tools) {
    ToolInfo info{name, {}};
    for (const ArgumentSpec& arg : tool.args) {
      info.arguments.push_back(ToolArgumentInfo{arg.name, arg.type.ToString(),
                                                arg.default_value.has_value()});
    }
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const ToolInfo& a, const ToolInfo& b) {
    return a.name < b.name;
  });
  return out;
}

std::vector<ApprovalRequirement> Program::ApprovalRules(
    absl::string_view tenant, absl::string_view tool) const {
  std::vector<ApprovalRequirement> out;
  auto t = tenants_.find(tenant);
  if (t == tenants_.end()) return out;
  auto it = t->second.tools.find(tool);
  if (it == t->second.tools.end()) return out;
  for (const Rule* rule : it->second.rules) {
    if (rule->effect == Effect::kApprove) out.push_back(rule->approval);
  }
  return out;
}

absl::StatusOr<Verdict> Program::Evaluate(const Action& action, absl::Time now,
                                          const UsageView& usage,
                                          std::vector<RuleTrace>* trace) const {
  auto tenant = tenants_.find(action.tenant);
  if (tenant == tenants_.end()) {
    return VerdictBuilder::BuiltinDeny(
        kBuiltinUnknownTenant, kBuiltinUnknownTenantDescription,
        absl::StrCat("tenant ", Quote(action.tenant),
                     " is not in the policy (version ", version_, ")"),
        trace);
  }
  auto tool = tenant->second.tools.find(action.tool);
  if (tool == tenant->second.tools.end()) {
    return VerdictBuilder::BuiltinDeny(
        kBuiltinNotAllowlisted, kBuiltinNotAllowlistedDescription,
        absl::StrCat("tool ", Quote(action.tool),
                     " is not allowlisted for tenant ", action.tenant),
        trace);
  }
  PORTCULLIS_RETURN_IF_ERROR(CheckContext(action.context));
  ArgumentSlots slots;
  PORTCULLIS_RETURN_IF_ERROR(
      BindArguments(tool->second, action.arguments, &slots));
  EvalInput input;
  input.action = &action;
  input.tool = &tool->second;
  input.args = absl::MakeConstSpan(slots);
  input.now = now;
  std::string session_tail;
  if (tenant->second.sessions.enabled) {
    session_tail = SessionTail(action);
    input.usage = &usage;
    input.session_tail = session_tail;
  }
  VerdictBuilder builder;
  for (const Rule* rule : tool->second.rules) {
    Apply(*rule, input, usage, &builder, trace);
  }
  if (!tool->second.session_charges.empty()) {
    ApplySessionCharges(tenant->second, tool->second, input, usage, &builder,
                        trace);
  }
  return std::move(builder).Finish(action, trace);
}

void Program::ApplySessionCharges(const CompiledTenant& tenant,
                                  const CompiledTool& tool,
                                  const EvalInput& input,
                                  const UsageView& usage,
                                  VerdictBuilder* builder,
                                  std::vector<RuleTrace>* trace) {
  // Cited like written rules; static, so they outlive every builder.
  static const Rule* const kFull = [] {
    auto* rule = new Rule;
    rule->effect = Effect::kDeny;
    rule->id = std::string(kBuiltinSessionFull);
    rule->description = std::string(kBuiltinSessionFullDescription);
    return rule;
  }();
  static const Rule* const kLimit = [] {
    auto* rule = new Rule;
    rule->effect = Effect::kDeny;
    rule->id = std::string(kBuiltinSessionLimit);
    rule->description = std::string(kBuiltinSessionLimitDescription);
    return rule;
  }();
  const SessionSettings& settings = tenant.sessions;
  std::string events_key =
      absl::StrCat(settings.events_prefix, input.session_tail);
  int64_t events = usage.Count(events_key, input.now - settings.window);
  if (events >= settings.max_events) {
    std::string reason =
        absl::StrCat("session ", Quote(input.action->context.session_id),
                     " of agent ", input.action->agent, " already holds ",
                     events, " counted actions, the most tenant ", tenant.id,
                     " keeps (max_session_events ", settings.max_events,
                     "); start a new session");
    if (trace != nullptr) trace->push_back({kFull->id, true, reason});
    builder->Deny(*kFull, std::move(reason));
    return;
  }
  if (events == 0) {
    int64_t live = usage.LiveSessions(input.now);
    if (live >= settings.max_sessions) {
      std::string reason = absl::StrCat(
          "tenant ", tenant.id, " already has ", live,
          " live sessions, the most it keeps (max_sessions ",
          settings.max_sessions, "); a new session can start once one ends");
      if (trace != nullptr) trace->push_back({kLimit->id, true, reason});
      builder->Deny(*kLimit, std::move(reason));
      return;
    }
  }
  if (trace != nullptr) {
    trace->push_back(RuleTrace{
        std::string(kBuiltinSessionFull), false,
        absl::StrCat("counter ", events_key, ": ", events, " of ",
                     settings.max_events, " counted actions in the session")});
  }
  builder->Charge(UsageCharge{
      std::move(events_key),
      settings.window,
      {},
      UsageCeiling{Decimal::FromInteger(settings.max_events), Cite(*kFull),
                   absl::StrCat("the session holds the most counted actions "
                                "tenant ",
                                tenant.id, " keeps (max_session_events ",
                                settings.max_events, "); start a new session"),
                   ""}});
  for (const SessionCharge& charge : tool.session_charges) {
    UsageCharge out;
    out.counter = absl::StrCat(charge.prefix, input.session_tail);
    out.window = charge.window;
    if (charge.sum) {
      const Value& value = *input.args[charge.slot];
      if (const auto* m = std::get_if<Money>(&value.v)) {
        out.amount = m->amount;
      } else if (const auto* i = std::get_if<int64_t>(&value.v)) {
        out.amount = Decimal::FromInteger(*i);
      } else {
        out.amount = Decimal();
      }
    }
    builder->Charge(std::move(out));
  }
}

void Program::Apply(const Rule& rule, const EvalInput& input,
                    const UsageView& usage, VerdictBuilder* builder,
                    std::vector<RuleTrace>* trace) {
  int64_t seen = 0;
  if (rule.after != nullptr) {
    seen = input.usage == nullptr
               ? 0
               : input.usage->Count(
                     absl::StrCat(rule.after->prefix, input.session_tail),
                     input.now - rule.after->window);
    if (seen == 0) {
      if (trace != nullptr) {
        trace->push_back(
            RuleTrace{rule.id, false,
                      absl::StrCat("does not apply: ", rule.after->label,
                                   ": none counted in this session")});
      }
      return;
    }
  }
  bool held = rule.condition == nullptr || rule.condition->Evaluate(input);
  bool applies = rule.condition == nullptr || held != rule.unless;
  if (trace == nullptr) {
    if (applies) ApplyEffect(rule, input, usage, builder, nullptr);
    return;
  }
  std::string limit_text;
  bool matched =
      applies && ApplyEffect(rule, input, usage, builder, &limit_text);
  std::string after_text;
  if (rule.after != nullptr) {
    after_text = absl::StrCat(rule.after->label, ": ", seen,
                              " counted in this session; ");
  }
  trace->push_back(RuleTrace{
      rule.id, matched,
      absl::StrCat(after_text, ExplainCondition(rule, input, held, applies),
                   limit_text)});
}

bool Program::ApplyEffect(const Rule& rule, const EvalInput& input,
                          const UsageView& usage, VerdictBuilder* builder,
                          std::string* limit_text) {
  switch (rule.effect) {
    case Effect::kAllow:
      builder->Allow(rule);
      return true;
    case Effect::kDeny:
      builder->Deny(rule, rule.reason);
      return true;
    case Effect::kApprove:
      builder->RequireApproval(rule);
      return true;
    case Effect::kLimit:
      break;
  }
  LimitResult limit = CheckLimit(rule, input, usage, limit_text != nullptr);
  if (limit_text != nullptr) {
    *limit_text =
        absl::StrCat("; counter ", limit.charge.counter, ": ", limit.usage_text,
                     limit.exceeded ? ": limit reached" : ": within the limit");
  }
  if (limit.exceeded) {
    builder->Deny(rule, absl::StrCat(rule.reason, " (", limit.usage_text, ")"));
  } else {
    builder->Charge(std::move(limit.charge));
  }
  return limit.exceeded;
}

}  // namespace portcullis::policy::policy_internal
