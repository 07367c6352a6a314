#include "policy/internal/program_builder.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/identifiers.h"
#include "policy/internal/argument_binder.h"
#include "policy/internal/currency.h"
#include "policy/internal/quote.h"

namespace portcullis::policy::policy_internal {
namespace {

bool IsPrintableWord(absl::string_view text, size_t max_bytes) {
  if (text.empty() || text.size() > max_bytes) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 &&
           static_cast<unsigned char>(c) < 0x7f;
  });
}

// The literal as a Value, before CheckArgumentValue judges it against the
// argument's type.
std::optional<Value> LiteralValue(const Literal& literal) {
  switch (literal.kind) {
    case Literal::Kind::kString:
      return Value{literal.text};
    case Literal::Kind::kInteger:
      return Value{literal.integer};
    case Literal::Kind::kBool:
      return Value{literal.boolean};
    case Literal::Kind::kMoney:
      return Value{Money{literal.amount, literal.currency}};
    case Literal::Kind::kDecimal:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::unique_ptr<Program> ProgramBuilder::Build(
    const std::vector<FileAst>& files) {
  CheckHeaders(files);
  for (const FileAst& file : files) {
    for (const TenantDecl& tenant : file.tenants) {
      if (sink_->full()) break;
      BuildTenant(tenant);
    }
  }
  if (sink_->has_errors()) return nullptr;
  std::sort(rule_infos_.begin(), rule_infos_.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<RuleInfo> infos;
  infos.reserve(rule_infos_.size());
  for (auto& [pos, info] : rule_infos_) infos.push_back(std::move(info));
  return std::make_unique<Program>(std::move(version_), std::move(tenants_),
                                   std::move(infos));
}

void ProgramBuilder::CheckHeaders(const std::vector<FileAst>& files) {
  const HeaderDecl* first = nullptr;
  for (const FileAst& file : files) {
    if (!file.header.has_value()) continue;
    const HeaderDecl& header = *file.header;
    if (!IsPrintableWord(header.name.text, kMaxVersionBytes)) {
      sink_->Error(
          header.name.pos,
          absl::StrCat("the policy name must be 1 to ", kMaxVersionBytes,
                       " printable characters without spaces"));
    }
    if (!IsPrintableWord(header.version.text, kMaxVersionBytes)) {
      sink_->Error(header.version.pos,
                   absl::StrCat("the version must be 1 to ", kMaxVersionBytes,
                                " printable characters without spaces, e.g. "
                                "\"2026-11-21.1\""));
    }
    if (first == nullptr) {
      first = &header;
      version_ = header.version.text;
      continue;
    }
    if (header.name.text != first->name.text ||
        header.version.text != first->version.text) {
      sink_->Error(
          header.pos,
          absl::StrCat("this header says policy ", Quote(header.name.text),
                       " version ", Quote(header.version.text), ", but ",
                       sink_->Locate(first->pos), " says policy ",
                       Quote(first->name.text), " version ",
                       Quote(first->version.text),
                       "; the files of one policy must agree"));
    }
  }
  if (first == nullptr) {
    sink_->Error(Position{0, 1, 1},
                 "the policy has no header: start a file with "
                 "policy \"NAME\" version \"VERSION\"");
  }
}

std::optional<std::string> ProgramBuilder::BuildZone(const TenantDecl& decl) {
  if (!decl.zone.has_value()) return std::nullopt;
  absl::StatusOr<LoadedZone> zone = zones_.Load(decl.zone->text);
  if (!zone.ok()) {
    sink_->Error(decl.zone->pos, std::string(zone.status().message()));
    return std::nullopt;
  }
  return decl.zone->text;
}

void ProgramBuilder::BuildTenant(const TenantDecl& decl) {
  if (!CheckTenantId(decl)) return;
  TenantState state;
  state.tenant.id = decl.id.text;
  state.zone = BuildZone(decl);
  ConditionScope wide;
  wide.default_zone = state.zone;
  wide.tenant = state.tenant.id;
  wide.sessions = &state.session_uses;
  for (const RuleDecl& rule_decl : decl.rules) {
    std::unique_ptr<Rule> rule = rules_.Build(rule_decl, state.tenant.id, wide);
    if (rule == nullptr || !AddRuleId(*rule, &state.rule_ids)) continue;
    state.wide_rules.push_back(rule.get());
    state.tenant.rules.push_back(std::move(rule));
  }
  absl::flat_hash_map<std::string, Position> tool_positions;
  for (const ToolDecl& tool_decl : decl.tools) {
    if (sink_->full()) return;
    auto [it, inserted] =
        tool_positions.emplace(tool_decl.name.text, tool_decl.name.pos);
    if (!inserted) {
      sink_->Error(
          tool_decl.name.pos,
          absl::StrCat("tool ", tool_decl.name.text, " is already declared at ",
                       sink_->Locate(it->second)));
      continue;
    }
    AddTool(tool_decl, &state);
  }
  BuildSessions(decl, &state);
  for (const auto& rule : state.tenant.rules) {
    rule_infos_.emplace_back(rule->pos, RuleInfo{state.tenant.id, rule->tool,
                                                 rule->id, rule->description});
  }
  tenants_.emplace(state.tenant.id, std::move(state.tenant));
}

bool ProgramBuilder::CheckTenantId(const TenantDecl& decl) {
  const std::string& id = decl.id.text;
  if (absl::Status s = ValidateTenantId(id); !s.ok()) {
    sink_->Error(decl.id.pos, absl::StrCat("invalid tenant id ", Quote(id),
                                           ": ", s.message()));
    return false;
  }
  auto [it, inserted] = tenant_positions_.emplace(id, decl.id.pos);
  if (!inserted) {
    sink_->Error(decl.id.pos,
                 absl::StrCat("tenant ", id, " is already declared at ",
                              sink_->Locate(it->second)));
    return false;
  }
  return true;
}

void ProgramBuilder::AddTool(const ToolDecl& decl, TenantState* state) {
  CompiledTool tool;
  size_t first_own_rule = state->tenant.rules.size();
  if (!BuildTool(decl, state->zone, &state->tenant, &tool,
                 &state->session_uses)) {
    return;
  }
  std::vector<const Rule*> rules = state->wide_rules;
  for (size_t i = first_own_rule; i < state->tenant.rules.size(); ++i) {
    const Rule& rule = *state->tenant.rules[i];
    if (AddRuleId(rule, &state->rule_ids)) rules.push_back(&rule);
  }
  // The tool's rules and the tenant-wide ones apply in source order.
  std::stable_sort(
      rules.begin(), rules.end(),
      [](const Rule* a, const Rule* b) { return a->pos < b->pos; });
  CheckIrreversible(decl, rules);
  tool.rules = std::move(rules);
  state->tenant.tools.emplace(tool.name, std::move(tool));
}

bool ProgramBuilder::BuildTool(const ToolDecl& decl,
                               const std::optional<std::string>& zone,
                               CompiledTenant* tenant, CompiledTool* tool,
                               std::vector<SessionUse>* sessions) {
  const std::string& name = decl.name.text;
  bool ok = true;
  if (absl::Status s = ValidateToolName(name); !s.ok()) {
    sink_->Error(decl.name.pos, absl::StrCat("invalid tool name ", Quote(name),
                                             ": ", s.message()));
    ok = false;
  }
  if (!decl.authority.has_value()) {
    sink_->Error(decl.pos, absl::StrCat("tool ", name,
                                        " needs an authority class: add "
                                        "class read, class draft or class "
                                        "write"));
    ok = false;
  } else {
    tool->authority = decl.authority->text;
  }
  tool->name = name;
  tool->irreversible = decl.irreversible.has_value();
  if (!BuildArguments(decl, &tool->args)) return false;
  ConditionScope scope;
  scope.args = &tool->args;
  scope.tool_name = name;
  scope.default_zone = zone;
  scope.tenant = tenant->id;
  scope.sessions = sessions;
  for (const RuleDecl& rule_decl : decl.rules) {
    std::unique_ptr<Rule> rule = rules_.Build(rule_decl, tenant->id, scope);
    if (rule == nullptr) {
      ok = false;
      continue;
    }
    tenant->rules.push_back(std::move(rule));
  }
  return ok;
}

void ProgramBuilder::BuildSessions(const TenantDecl& decl, TenantState* state) {
  CompiledTenant& tenant = state->tenant;
  if (state->session_uses.empty()) {
    if (decl.max_sessions.has_value() || decl.max_session_events.has_value()) {
      sink_->Error(decl.max_sessions.has_value() ? decl.max_sessions_pos
                                                 : decl.max_session_events_pos,
                   absl::StrCat("tenant ", tenant.id,
                                " bounds its sessions, but no rule reads one "
                                "(count(), sum() or after)"));
    }
    return;
  }
  SessionSettings& settings = tenant.sessions;
  settings.enabled = true;
  settings.max_sessions = decl.max_sessions.value_or(kDefaultMaxSessions);
  settings.max_events =
      decl.max_session_events.value_or(kDefaultMaxSessionEvents);
  settings.events_prefix = absl::StrCat(tenant.id, "/session:events");
  // One charge per counter, kept for the longest window that reads it.
  std::vector<std::pair<std::string, SessionCharge>> charges;  // by tool
  for (const SessionUse& use : state->session_uses) {
    auto tool = tenant.tools.find(use.tool);
    if (tool == tenant.tools.end()) {
      std::vector<std::string> names;
      bool declared = false;
      for (const ToolDecl& t : decl.tools) {
        names.push_back(t.name.text);
        declared = declared || t.name.text == use.tool;
      }
      // A declared tool that failed to build has its own errors.
      if (declared) continue;
      std::sort(names.begin(), names.end());
      names.erase(std::unique(names.begin(), names.end()), names.end());
      sink_->Error(use.pos,
                   absl::StrCat("unknown tool ", Quote(use.tool), ": tenant ",
                                tenant.id, " declares ",
                                names.empty() ? std::string("no tools")
                                              : absl::StrJoin(names, ", ")));
      continue;
    }
    settings.window = std::max(settings.window, use.window);
    bool merged = false;
    for (auto& [tool_name, charge] : charges) {
      if (charge.prefix != use.prefix) continue;
      charge.window = std::max(charge.window, use.window);
      merged = true;
    }
    if (merged) continue;
    SessionCharge charge;
    charge.prefix = use.prefix;
    charge.window = use.window;
    charge.sum = use.sum;
    charge.slot = use.slot;
    charge.integer = use.integer;
    charges.emplace_back(use.tool, std::move(charge));
  }
  for (auto& [tool_name, charge] : charges) {
    tenant.tools[tool_name].session_charges.push_back(std::move(charge));
  }
}

bool ProgramBuilder::BuildArguments(const ToolDecl& decl,
                                    std::vector<ArgumentSpec>* args) {
  bool ok = true;
  absl::flat_hash_map<std::string, Position> seen;
  for (const ArgDecl& arg : decl.args) {
    const std::string& name = arg.name.text;
    if (absl::Status s = ValidateArgumentName(name); !s.ok()) {
      sink_->Error(arg.name.pos, absl::StrCat("invalid argument name ",
                                              Quote(name), ": ", s.message()));
      ok = false;
      continue;
    }
    if (auto it = seen.find(name); it != seen.end()) {
      sink_->Error(arg.name.pos,
                   absl::StrCat("argument ", name, " is already declared at ",
                                sink_->Locate(it->second)));
      ok = false;
      continue;
    }
    seen.emplace(name, arg.name.pos);
    std::optional<Type> type = BuildType(arg.type);
    if (!type.has_value()) {
      ok = false;
      continue;
    }
    ArgumentSpec spec;
    spec.name = name;
    if (arg.default_value.has_value() || arg.default_list.has_value()) {
      spec.default_value = BuildDefault(arg, *type);
      if (!spec.default_value.has_value()) ok = false;
    }
    spec.type = std::move(*type);
    args->push_back(std::move(spec));
  }
  std::sort(args->begin(), args->end(),
            [](const ArgumentSpec& a, const ArgumentSpec& b) {
              return a.name < b.name;
            });
  return ok;
}

std::optional<Type> ProgramBuilder::BuildType(const TypeExpr& expr) {
  switch (expr.kind) {
    case TypeExpr::Kind::kString:
      return Type::String();
    case TypeExpr::Kind::kInteger:
      return Type::Integer();
    case TypeExpr::Kind::kBool:
      return Type::Bool();
    case TypeExpr::Kind::kMoney: {
      std::optional<int> units = expr.minor_units.has_value()
                                     ? std::optional<int>(*expr.minor_units)
                                     : MinorUnits(expr.currency);
      if (!units.has_value()) {
        sink_->Error(expr.currency_pos,
                     absl::StrCat("unknown currency ", expr.currency,
                                  ": if the code is right, state its "
                                  "decimals, e.g. money(",
                                  expr.currency, ", 2)"));
        return std::nullopt;
      }
      return Type::Money(expr.currency, *units);
    }
    case TypeExpr::Kind::kEnum: {
      std::vector<std::string> members;
      for (const Name& member : expr.members) {
        if (!rules_.CheckText(member, "an enum value")) return std::nullopt;
        if (std::find(members.begin(), members.end(), member.text) !=
            members.end()) {
          sink_->Error(member.pos,
                       absl::StrCat("enum value ", Quote(member.text),
                                    " is listed twice"));
          return std::nullopt;
        }
        members.push_back(member.text);
      }
      return Type::Enum(std::move(members));
    }
    case TypeExpr::Kind::kList: {
      std::optional<Type> element = BuildType(*expr.element);
      if (!element.has_value()) return std::nullopt;
      return Type::List(std::move(*element));
    }
  }
  return std::nullopt;
}

std::optional<Value> ProgramBuilder::BuildDefault(const ArgDecl& decl,
                                                  const Type& type) {
  Position pos = decl.name.pos;
  std::optional<Value> value;
  if (decl.default_list.has_value()) {
    Value::List list;
    for (const Literal& element : *decl.default_list) {
      std::optional<Value> v = LiteralValue(element);
      if (!v.has_value()) {
        sink_->Error(element.pos,
                     "a decimal number fits no argument type; "
                     "money needs its currency, e.g. 5.50 SAR");
        return std::nullopt;
      }
      list.push_back(std::move(*v));
    }
    if (!decl.default_list->empty()) pos = decl.default_list->front().pos;
    value = Value{std::move(list)};
  } else {
    pos = decl.default_value->pos;
    value = LiteralValue(*decl.default_value);
    if (!value.has_value()) {
      sink_->Error(pos,
                   "a decimal number fits no argument type; money needs "
                   "its currency, e.g. 5.50 SAR");
      return std::nullopt;
    }
  }
  absl::Status s = CheckArgumentValue(decl.name.text, type, *value);
  if (!s.ok()) {
    sink_->Error(pos, absl::StrCat("the default does not fit: ", s.message()));
    return std::nullopt;
  }
  return value;
}

void ProgramBuilder::CheckIrreversible(const ToolDecl& decl,
                                       const std::vector<const Rule*>& rules) {
  if (!decl.irreversible.has_value()) return;
  for (const Rule* rule : rules) {
    if (rule->effect == Effect::kApprove && rule->condition == nullptr &&
        rule->after == nullptr) {
      return;
    }
  }
  for (const Rule* rule : rules) {
    if (rule->effect != Effect::kAllow) continue;
    sink_->Error(
        *decl.irreversible,
        absl::StrCat("tool ", decl.name.text, " is irreversible, but rule ",
                     rule->id, " (", sink_->Locate(rule->pos),
                     ") can allow it without approval; add a rule that "
                     "always requires approval, e.g. rule ",
                     decl.name.text,
                     "-approval \"needs a person\" approve by owner expires "
                     "24h"));
    return;
  }
}

bool ProgramBuilder::AddRuleId(
    const Rule& rule, absl::flat_hash_map<std::string, Position>* ids) {
  auto [it, inserted] = ids->emplace(rule.id, rule.pos);
  if (inserted) return true;
  sink_->Error(rule.pos,
               absl::StrCat("rule id ", rule.id, " is already used at ",
                            sink_->Locate(it->second),
                            "; rule ids are unique in a tenant"));
  return false;
}

}  // namespace portcullis::policy::policy_internal
