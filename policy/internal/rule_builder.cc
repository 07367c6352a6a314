#include "policy/internal/rule_builder.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policy/compiled_policy.h"
#include "policy/internal/literals.h"

namespace portcullis::policy::policy_internal {
namespace {

std::string PathText(const std::vector<Name>& path) {
  std::vector<absl::string_view> parts;
  for (const Name& n : path) parts.push_back(n.text);
  return absl::StrJoin(parts, ".");
}

}  // namespace

std::unique_ptr<Rule> RuleBuilder::Build(const RuleDecl& decl,
                                         const std::string& tenant,
                                         const ConditionScope& scope) {
  bool ok = CheckId(decl.id);
  ok = CheckText(decl.description, "the description") && ok;
  auto rule = std::make_unique<Rule>();
  rule->tenant = tenant;
  rule->tool = scope.args == nullptr ? "" : scope.tool_name;
  rule->id = decl.id.text;
  rule->counter_prefix = absl::StrCat(tenant, "/", decl.id.text);
  rule->description = decl.description.text;
  if (decl.proposal.has_value()) rule->proposal = decl.proposal->text;
  rule->pos = decl.id.pos;
  rule->effect = decl.effect;
  rule->reason = decl.description.text;
  if (decl.reason.has_value()) {
    ok = CheckText(*decl.reason, "the reason") && ok;
    rule->reason = decl.reason->text;
  }
  if (decl.condition != nullptr) {
    ConditionCompiler compiler(&scope, zones_, sink_);
    rule->condition = compiler.Compile(*decl.condition);
    rule->unless = decl.unless;
    rule->condition_text = decl.condition_text;
    ok = rule->condition != nullptr && ok;
  }
  if (decl.after.has_value())
    ok = BuildAfter(*decl.after, scope, rule.get()) && ok;
  if (decl.effect == Effect::kApprove)
    ok = BuildApproval(decl, rule.get()) && ok;
  if (decl.effect == Effect::kLimit) {
    ok = BuildLimit(decl, scope, rule.get()) && ok;
  }
  if (!ok) return nullptr;
  return rule;
}

bool RuleBuilder::BuildAfter(const AfterDecl& after,
                             const ConditionScope& scope, Rule* rule) {
  absl::Duration window = after.within.value_or(kDefaultAfterWindow);
  if (window > kMaxLimitWindow) {
    sink_->Error(after.within_pos,
                 absl::StrCat("'after' looks back at most ",
                              DurationText(kMaxLimitWindow),
                              ", like a limit; not ", DurationText(window)));
    return false;
  }
  SessionUse use;
  use.tool = after.tool.text;
  use.pos = after.tool.pos;
  use.window = window;
  use.prefix = SessionCountPrefix(scope.tenant, use.tool);
  SessionQuery query;
  query.prefix = use.prefix;
  query.window = window;
  query.label =
      absl::StrCat("after tool ", use.tool, " within ", DurationText(window));
  if (scope.sessions != nullptr) scope.sessions->push_back(std::move(use));
  rule->after = std::make_unique<SessionQuery>(std::move(query));
  return true;
}

bool RuleBuilder::CheckId(const Name& id) {
  if (id.text.size() > kMaxIdBytes || !absl::ascii_isalpha(id.text[0])) {
    sink_->Error(id.pos, absl::StrCat("rule id '", id.text.substr(0, 80),
                                      "' must start with a letter and have "
                                      "at most ",
                                      kMaxIdBytes, " characters"));
    return false;
  }
  return true;
}

bool RuleBuilder::CheckText(const Name& text, absl::string_view what) {
  if (text.text.empty()) {
    sink_->Error(text.pos, absl::StrCat(what, " is empty"));
    return false;
  }
  if (text.text.size() > kMaxTextBytes) {
    sink_->Error(text.pos, absl::StrCat(what, " is longer than ", kMaxTextBytes,
                                        " bytes"));
    return false;
  }
  for (char c : text.text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      sink_->Error(text.pos,
                   absl::StrCat(what, " contains a control character"));
      return false;
    }
  }
  return true;
}

bool RuleBuilder::BuildApproval(const RuleDecl& decl, Rule* rule) {
  ApprovalRequirement& approval = rule->approval;
  approval.rule_id = rule->id;
  approval.quorum = static_cast<int>(decl.quorum.value_or(1));
  approval.expires_after = decl.expires.value_or(absl::Hours(24));
  bool ok = BuildRoles(decl.roles, &approval.roles);
  if (approval.expires_after > kMaxApprovalExpiry) {
    // The gate rebuilds its queue from this far back at start.
    sink_->Error(decl.expires_pos,
                 absl::StrCat("an approval expires after at most ",
                              DurationText(kMaxApprovalExpiry), ", not ",
                              DurationText(approval.expires_after)));
    ok = false;
  }
  if (decl.escalate_after.has_value()) {
    Escalation escalation;
    escalation.after = *decl.escalate_after;
    ok = BuildRoles(decl.escalate_roles, &escalation.roles) && ok;
    if (escalation.after >= approval.expires_after) {
      sink_->Error(
          decl.escalate_pos,
          absl::StrCat("the escalation after ", DurationText(escalation.after),
                       " would never happen: the approval expires "
                       "after ",
                       DurationText(approval.expires_after)));
      ok = false;
    }
    approval.escalation = std::move(escalation);
  }
  return ok;
}

bool RuleBuilder::BuildRoles(const std::vector<Name>& names,
                             std::vector<std::string>* roles) {
  for (const Name& name : names) {
    if (name.text.size() > kMaxRoleBytes) {
      sink_->Error(name.pos, absl::StrCat("a role name has at most ",
                                          kMaxRoleBytes, " characters"));
      return false;
    }
    if (std::find(roles->begin(), roles->end(), name.text) != roles->end()) {
      sink_->Error(name.pos,
                   absl::StrCat("role ", name.text, " is listed twice"));
      return false;
    }
    roles->push_back(name.text);
  }
  return true;
}

bool RuleBuilder::BuildLimit(const RuleDecl& decl, const ConditionScope& scope,
                             Rule* rule) {
  Limit& limit = rule->limit;
  limit.window = decl.limit.window;
  limit.max_count = decl.limit.max_count;
  limit.spend = decl.limit.spend;
  bool ok = !limit.spend || BuildSpend(decl, scope, rule);
  if (limit.window > kMaxLimitWindow) {
    // The gate rebuilds its counters from this far back at start.
    sink_->Error(decl.limit.window_pos,
                 absl::StrCat("a limit counts over at most ",
                              DurationText(kMaxLimitWindow), ", not ",
                              DurationText(limit.window)));
    ok = false;
  }
  return BuildScopes(decl, scope, rule) && ok;
}

bool RuleBuilder::BuildSpend(const RuleDecl& decl, const ConditionScope& scope,
                             Rule* rule) {
  Limit& limit = rule->limit;
  const Literal& cap = decl.limit.cap;
  int slot = FindArgument(decl.limit.amount, scope, "a spend limit");
  if (slot < 0) return false;
  const ArgumentSpec& arg = (*scope.args)[slot];
  if (arg.type.kind != Type::Kind::kMoney) {
    sink_->Error(decl.limit.amount.front().pos,
                 absl::StrCat("a spend limit adds up a money argument, but "
                              "args.",
                              arg.name, " is ", arg.type.ToString()));
    return false;
  }
  if (cap.currency != arg.type.currency) {
    sink_->Error(cap.pos, absl::StrCat("the limit ", cap.written, " is in ",
                                       cap.currency, " but args.", arg.name,
                                       " is ", arg.type.ToString()));
    return false;
  }
  if (cap.amount.is_negative() ||
      cap.amount.fraction_digits() > arg.type.minor_units) {
    sink_->Error(cap.pos, absl::StrCat("the limit ", cap.written,
                                       " must not be "
                                       "negative or have more decimals than ",
                                       cap.currency, " allows (",
                                       arg.type.minor_units, ")"));
    return false;
  }
  limit.cap = cap.amount;
  limit.currency = cap.currency;
  limit.amount_slot = slot;
  limit.amount_label = absl::StrCat("args.", arg.name);
  return true;
}

bool RuleBuilder::BuildScopes(const RuleDecl& decl, const ConditionScope& scope,
                              Rule* rule) {
  std::vector<LimitScope>& scopes = rule->limit.scopes;
  for (const ScopeDecl& written : decl.scopes) {
    const std::string& head = written.path.front().text;
    Position pos = written.path.front().pos;
    LimitScope limit_scope;
    if (written.path.size() == 1 && head == "tenant") {
      continue;  // the default: one counter per rule and tenant
    } else if (written.path.size() == 1 && head == "agent") {
      limit_scope.kind = LimitScope::Kind::kAgent;
      limit_scope.label = "agent";
    } else if (written.path.size() == 1 && head == "tool") {
      limit_scope.kind = LimitScope::Kind::kTool;
      limit_scope.label = "tool";
    } else if (written.path.size() == 1 && head == "session") {
      limit_scope.kind = LimitScope::Kind::kSession;
      limit_scope.label = "session";
      rule->limit.session_scoped = true;
    } else if (head == "args") {
      int slot = FindArgument(written.path, scope, "a limit's scope");
      if (slot < 0) return false;
      const ArgumentSpec& arg = (*scope.args)[slot];
      if (arg.type.kind == Type::Kind::kMoney ||
          arg.type.kind == Type::Kind::kList) {
        sink_->Error(pos, absl::StrCat("a limit can be kept per a string, "
                                       "int, bool or enum argument, but args.",
                                       arg.name, " is ", arg.type.ToString()));
        return false;
      }
      limit_scope.kind = LimitScope::Kind::kArgument;
      limit_scope.slot = slot;
      limit_scope.label = absl::StrCat("args.", arg.name);
    } else {
      sink_->Error(pos, absl::StrCat("unknown scope '", PathText(written.path),
                                     "': a limit is kept per tenant (the "
                                     "default), agent, tool, session or "
                                     "args.NAME"));
      return false;
    }
    for (const LimitScope& existing : scopes) {
      if (existing.label == limit_scope.label) {
        sink_->Error(
            pos, absl::StrCat("scope ", limit_scope.label, " is listed twice"));
        return false;
      }
    }
    limit_scope.key_part = absl::StrCat("/", limit_scope.label, "=");
    scopes.push_back(std::move(limit_scope));
  }
  return true;
}

int RuleBuilder::FindArgument(const std::vector<Name>& path,
                              const ConditionScope& scope,
                              absl::string_view use) {
  Position pos = path.front().pos;
  if (path.size() != 2 || path[0].text != "args") {
    sink_->Error(pos, absl::StrCat(use,
                                   " names an argument as args.NAME, "
                                   "found ",
                                   PathText(path)));
    return -1;
  }
  if (scope.args == nullptr) {
    sink_->Error(pos, absl::StrCat("a tenant-wide rule cannot use args.",
                                   path[1].text, " in ", use,
                                   ": each tool declares its own arguments; "
                                   "put the rule inside the tool"));
    return -1;
  }
  for (size_t slot = 0; slot < scope.args->size(); ++slot) {
    if ((*scope.args)[slot].name == path[1].text) return static_cast<int>(slot);
  }
  sink_->Error(path[1].pos,
               absl::StrCat("tool ", scope.tool_name, " has no argument '",
                            path[1].text, "'"));
  return -1;
}

}  // namespace portcullis::policy::policy_internal
