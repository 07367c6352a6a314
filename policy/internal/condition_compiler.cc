#include "policy/internal/condition_compiler.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policy/compiled_policy.h"
#include "policy/internal/lexer.h"
#include "policy/internal/literal_coercion.h"
#include "policy/internal/literals.h"

namespace portcullis::policy::policy_internal {
namespace {

struct FieldInfo {
  absl::string_view prefix;
  absl::string_view name;
  Field field;
};

constexpr FieldInfo kFields[] = {
    {"context", "confidence", Field::kConfidence},
    {"context", "has_confidence", Field::kHasConfidence},
    {"context", "run_mode", Field::kRunMode},
    {"context", "agent", Field::kAgent},
    {"context", "session_id", Field::kSessionId},
    {"context", "request_id", Field::kRequestId},
    {"context", "correlation_id", Field::kCorrelationId},
    {"tool", "name", Field::kToolName},
    {"tool", "class", Field::kToolClass},
    {"tool", "irreversible", Field::kToolIrreversible},
};

Type FieldType(Field field) {
  switch (field) {
    case Field::kConfidence:
      return Type::Number();
    case Field::kHasConfidence:
    case Field::kToolIrreversible:
      return Type::Bool();
    case Field::kRunMode:
      return Type::Enum({"interactive", "unattended"});
    case Field::kToolClass:
      return Type::Enum({"read", "draft", "write"});
    default:
      return Type::String();
  }
}

Domain DomainOf(const Type& type) {
  switch (type.kind) {
    case Type::Kind::kString:
    case Type::Kind::kEnum:
      return Domain::kText;
    case Type::Kind::kInteger:
      return Domain::kInteger;
    case Type::Kind::kNumber:
      return Domain::kNumber;
    case Type::Kind::kBool:
      return Domain::kBool;
    case Type::Kind::kMoney:
      return Domain::kMoney;
    case Type::Kind::kList:
      return Domain::kList;
  }
  return Domain::kText;
}

bool IsText(const Type& type) {
  return type.kind == Type::Kind::kString || type.kind == Type::Kind::kEnum;
}

const char* OperatorText(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "==";
    case CompareOp::kNe:
      return "!=";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
  }
  return "?";
}

const char* TextOpName(TextOp op) {
  switch (op) {
    case TextOp::kStartsWith:
      return "starts_with";
    case TextOp::kEndsWith:
      return "ends_with";
    case TextOp::kContains:
      return "contains";
    case TextOp::kMatches:
      return "matches";
  }
  return "?";
}

// Replaces bytes outside printable ASCII: RE2 messages quote the pattern.
std::string Printable(absl::string_view text) {
  std::string out(text.substr(0, 200));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 ||
        static_cast<unsigned char>(c) > 0x7e) {
      c = '?';
    }
  }
  return out;
}

}  // namespace

ConditionCompiler::ConditionCompiler(const ConditionScope* scope,
                                     ZoneCache* zones, DiagnosticSink* sink)
    : scope_(scope), zones_(zones), sink_(sink) {}

std::unique_ptr<Condition> ConditionCompiler::Compile(const Expr& expr) {
  condition_ = std::make_unique<Condition>();
  std::optional<int32_t> root = CompileBool(expr);
  if (!root.has_value()) return nullptr;
  condition_->SetRoot(*root);
  return std::move(condition_);
}

std::optional<int32_t> ConditionCompiler::CompileBool(const Expr& expr) {
  switch (expr.kind) {
    case Expr::Kind::kOr:
    case Expr::Kind::kAnd:
    case Expr::Kind::kNot:
      return CompileLogical(expr);
    case Expr::Kind::kCompare:
      return CompileCompare(expr);
    case Expr::Kind::kIn:
      return CompileIn(expr);
    case Expr::Kind::kText:
      return CompileText(expr);
    case Expr::Kind::kHours:
    case Expr::Kind::kDays:
      return CompileWindow(expr);
    case Expr::Kind::kRef:
    case Expr::Kind::kLiteral:
    case Expr::Kind::kLength:
    case Expr::Kind::kSessionCount:
    case Expr::Kind::kSessionSum:
      break;
  }
  std::optional<Typed> value = CompileOperand(expr);
  if (!value.has_value()) return std::nullopt;
  if (value->type.kind != Type::Kind::kBool) {
    sink_->Error(expr.pos,
                 absl::StrCat(value->label, " is ", value->type.ToString(),
                              ", not true or false: compare it with "
                              "something, e.g. ",
                              value->label, " == ..."));
    return std::nullopt;
  }
  Node node;
  node.kind = Node::Kind::kTest;
  node.lhs = value->operand;
  return condition_->AddNode(node);
}

std::optional<int32_t> ConditionCompiler::CompileLogical(const Expr& expr) {
  std::vector<int32_t> children;
  bool ok = true;
  for (const auto& operand : expr.operands) {
    std::optional<int32_t> child = CompileBool(*operand);
    ok = ok && child.has_value();
    if (child.has_value()) children.push_back(*child);
  }
  if (!ok) return std::nullopt;
  Node node;
  node.kind = expr.kind == Expr::Kind::kOr    ? Node::Kind::kOr
              : expr.kind == Expr::Kind::kAnd ? Node::Kind::kAnd
                                              : Node::Kind::kNot;
  node.first = condition_->AddChildren(children);
  node.count = static_cast<int32_t>(children.size());
  return condition_->AddNode(node);
}

std::optional<int32_t> ConditionCompiler::CompileCompare(const Expr& expr) {
  const Expr& left = *expr.operands[0];
  const Expr& right = *expr.operands[1];
  bool left_constant = left.kind == Expr::Kind::kLiteral;
  bool right_constant = right.kind == Expr::Kind::kLiteral;
  if (left_constant && right_constant) {
    sink_->Error(expr.pos, absl::StrCat("this compares two constants (",
                                        left.literal.written, " and ",
                                        right.literal.written,
                                        "); compare an argument or a context "
                                        "field instead"));
    return std::nullopt;
  }
  std::optional<Typed> a;
  std::optional<Typed> b;
  if (left_constant) {
    b = CompileOperand(right);
    if (!b.has_value()) return std::nullopt;
    a = CompileAs(left, b->type, b->label);
  } else {
    a = CompileOperand(left);
    if (!a.has_value()) return std::nullopt;
    b = CompileAs(right, a->type, a->label);
  }
  if (!a.has_value() || !b.has_value()) return std::nullopt;
  if (a->type.kind == Type::Kind::kList) {
    sink_->Error(expr.pos, absl::StrCat("lists cannot be compared with '",
                                        OperatorText(expr.compare),
                                        "'; use contains or len(), e.g. ",
                                        a->label, " contains \"x\""));
    return std::nullopt;
  }
  bool ordering =
      expr.compare != CompareOp::kEq && expr.compare != CompareOp::kNe;
  if (ordering && !a->type.IsOrdered()) {
    const Typed& named = left_constant ? *b : *a;
    sink_->Error(expr.pos,
                 absl::StrCat("'", OperatorText(expr.compare),
                              "' needs numbers or money, but ", named.label,
                              " is ", named.type.ToString()));
    return std::nullopt;
  }
  Node node;
  node.kind = Node::Kind::kCompare;
  node.op = expr.compare;
  node.lhs = a->operand;
  node.rhs = b->operand;
  return condition_->AddNode(node);
}

std::optional<int32_t> ConditionCompiler::CompileIn(const Expr& expr) {
  std::optional<Typed> value = CompileOperand(*expr.operands[0]);
  if (!value.has_value()) return std::nullopt;
  if (value->type.kind == Type::Kind::kList) {
    sink_->Error(expr.pos,
                 absl::StrCat("'in' tests one value against a list, but ",
                              value->label, " is itself a list; use ",
                              value->label, " contains \"x\""));
    return std::nullopt;
  }
  std::vector<Constant> constants;
  bool ok = true;
  for (const Literal& element : expr.list) {
    std::optional<Constant> c = Coerce(element, value->type, value->label);
    ok = ok && c.has_value();
    if (c.has_value()) constants.push_back(std::move(*c));
  }
  if (!ok) return std::nullopt;
  Node node;
  node.kind = Node::Kind::kIn;
  node.negated = expr.negated;
  node.lhs = value->operand;
  node.count = static_cast<int32_t>(constants.size());
  node.first = 0;
  for (size_t i = 0; i < constants.size(); ++i) {
    int32_t index = condition_->AddConstant(std::move(constants[i]));
    if (i == 0) node.first = index;
  }
  return condition_->AddNode(node);
}

std::optional<int32_t> ConditionCompiler::CompileText(const Expr& expr) {
  std::optional<Typed> value = CompileOperand(*expr.operands[0]);
  if (!value.has_value()) return std::nullopt;
  if (value->type.kind == Type::Kind::kList &&
      expr.text_op == TextOp::kContains) {
    return CompileListContains(expr, *value);
  }
  if (!IsText(value->type)) {
    sink_->Error(expr.pos, absl::StrCat("'", TextOpName(expr.text_op),
                                        "' needs text, but ", value->label,
                                        " is ", value->type.ToString()));
    return std::nullopt;
  }
  if (expr.text_op == TextOp::kMatches) return CompileMatches(expr, *value);
  const Expr& right = *expr.operands[1];
  std::optional<Typed> needle;
  if (right.kind == Expr::Kind::kLiteral) {
    needle = CompileAs(right, Type::String(), value->label);
  } else {
    needle = CompileOperand(right);
    if (needle.has_value() && !IsText(needle->type)) {
      sink_->Error(right.pos, absl::StrCat("'", TextOpName(expr.text_op),
                                           "' needs text, but ", needle->label,
                                           " is ", needle->type.ToString()));
      return std::nullopt;
    }
  }
  if (!needle.has_value()) return std::nullopt;
  Node node;
  node.kind = expr.text_op == TextOp::kStartsWith ? Node::Kind::kStartsWith
              : expr.text_op == TextOp::kEndsWith ? Node::Kind::kEndsWith
                                                  : Node::Kind::kContainsText;
  node.lhs = value->operand;
  node.rhs = needle->operand;
  return condition_->AddNode(node);
}

std::optional<int32_t> ConditionCompiler::CompileListContains(
    const Expr& expr, const Typed& list) {
  const Type& element = *list.type.element;
  if (element.kind == Type::Kind::kList) {
    sink_->Error(expr.pos, absl::StrCat("'contains' on ", list.label,
                                        ", a list of lists, is not supported"));
    return std::nullopt;
  }
  std::optional<Typed> wanted = CompileAs(
      *expr.operands[1], element, absl::StrCat("an element of ", list.label));
  if (!wanted.has_value()) return std::nullopt;
  Node node;
  node.kind = Node::Kind::kListContains;
  node.element = DomainOf(element);
  node.lhs = list.operand;
  node.rhs = wanted->operand;
  return condition_->AddNode(node);
}

std::optional<int32_t> ConditionCompiler::CompileMatches(const Expr& expr,
                                                         const Typed& text) {
  const Expr& right = *expr.operands[1];
  if (right.kind != Expr::Kind::kLiteral ||
      right.literal.kind != Literal::Kind::kString) {
    sink_->Error(right.pos,
                 "'matches' needs a regular expression in quotes, e.g. "
                 "args.order_id matches \"^[0-9]{4,10}$\"");
    return std::nullopt;
  }
  const Literal& pattern = right.literal;
  if (pattern.text.size() > kMaxRegexBytes) {
    sink_->Error(pattern.pos, absl::StrCat("regular expression is longer than ",
                                           kMaxRegexBytes, " bytes"));
    return std::nullopt;
  }
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kMaxRegexMemory);
  auto regex = std::make_unique<RE2>(pattern.text, options);
  if (!regex->ok()) {
    size_t at = regex->error_arg().empty()
                    ? std::string::npos
                    : pattern.text.find(regex->error_arg());
    Position pos = pattern.pos;
    if (at != std::string::npos) {
      pos.column += static_cast<int>(SourceOffsetOf(pattern.written, at));
    }
    sink_->Error(pos, absl::StrCat("invalid regular expression: ",
                                   Printable(regex->error())));
    return std::nullopt;
  }
  Node node;
  node.kind = Node::Kind::kMatches;
  node.lhs = text.operand;
  node.aux = condition_->AddRegex(std::move(regex));
  return condition_->AddNode(node);
}

std::optional<int32_t> ConditionCompiler::CompileWindow(const Expr& expr) {
  const char* call = expr.kind == Expr::Kind::kHours ? "hours" : "days";
  std::string zone_name;
  Position zone_pos = expr.pos;
  if (expr.zone.has_value()) {
    zone_name = expr.zone->text;
    zone_pos = expr.zone->pos;
  } else if (scope_->default_zone.has_value()) {
    zone_name = *scope_->default_zone;
  } else {
    sink_->Error(
        expr.pos,
        absl::StrCat(call, "() needs a time zone: add it, as in ", call,
                     "(..., \"Asia/Riyadh\"), or declare the "
                     "tenant's timezone \"Asia/Riyadh\""));
    return std::nullopt;
  }
  absl::StatusOr<LoadedZone> zone = zones_->Load(zone_name);
  if (!zone.ok()) {
    sink_->Error(zone_pos, std::string(zone.status().message()));
    return std::nullopt;
  }
  TimeWindow window =
      expr.kind == Expr::Kind::kHours
          ? TimeWindow::Hours(*zone, expr.start_minute, expr.end_minute)
          : TimeWindow::Days(*zone, expr.day_mask);
  Node node;
  node.kind = Node::Kind::kWindow;
  node.aux = condition_->AddWindow(std::move(window));
  return condition_->AddNode(node);
}

std::optional<ConditionCompiler::Typed> ConditionCompiler::CompileOperand(
    const Expr& expr) {
  switch (expr.kind) {
    case Expr::Kind::kRef:
      return CompileReference(expr);
    case Expr::Kind::kLiteral: {
      const Literal& literal = expr.literal;
      Type type;
      switch (literal.kind) {
        case Literal::Kind::kString:
          type = Type::String();
          break;
        case Literal::Kind::kInteger:
          type = Type::Integer();
          break;
        case Literal::Kind::kDecimal:
          type = Type::Number();
          break;
        case Literal::Kind::kMoney:
          type =
              Type::Money(literal.currency, literal.amount.fraction_digits());
          break;
        case Literal::Kind::kBool:
          type = Type::Bool();
          break;
      }
      return CompileAs(expr, type, literal.written);
    }
    case Expr::Kind::kLength: {
      std::optional<Typed> measured = CompileOperand(*expr.operands[0]);
      if (!measured.has_value()) return std::nullopt;
      if (!IsText(measured->type) && measured->type.kind != Type::Kind::kList) {
        sink_->Error(
            expr.pos,
            absl::StrCat("len() measures text or a list, but ", measured->label,
                         " is ", measured->type.ToString()));
        return std::nullopt;
      }
      Operand operand;
      operand.source = Operand::Source::kLength;
      operand.domain = Domain::kInteger;
      operand.index = measured->operand;
      return Typed{condition_->AddOperand(operand), Type::Integer(),
                   absl::StrCat("len(", measured->label, ")")};
    }
    case Expr::Kind::kSessionCount:
    case Expr::Kind::kSessionSum:
      return CompileSession(expr);
    default:
      sink_->Error(expr.pos,
                   "expected a value here (an argument, a context field or a "
                   "constant), found a condition");
      return std::nullopt;
  }
}

std::optional<ConditionCompiler::Typed> ConditionCompiler::CompileReference(
    const Expr& expr) {
  absl::string_view head = expr.path.front().text;
  if (head == "args") return CompileArgument(expr);
  if (head == "context" || head == "tool") return CompileField(expr);
  sink_->Error(expr.pos,
               absl::StrCat("unknown name '", head,
                            "': conditions read args.NAME, context.NAME and "
                            "tool.NAME; write text values in quotes"));
  return std::nullopt;
}

std::optional<ConditionCompiler::Typed> ConditionCompiler::CompileArgument(
    const Expr& expr) {
  if (expr.path.size() != 2) {
    sink_->Error(expr.pos, "write an argument as args.NAME, e.g. args.value");
    return std::nullopt;
  }
  const std::string& name = expr.path[1].text;
  std::string label = absl::StrCat("args.", name);
  if (scope_->args == nullptr) {
    sink_->Error(expr.pos,
                 absl::StrCat("a tenant-wide rule cannot read ", label,
                              ": each tool declares its own arguments; put "
                              "the rule inside the tool"));
    return std::nullopt;
  }
  const std::vector<ArgumentSpec>& args = *scope_->args;
  for (size_t slot = 0; slot < args.size(); ++slot) {
    if (args[slot].name != name) continue;
    Operand operand;
    operand.source = Operand::Source::kArgument;
    operand.domain = DomainOf(args[slot].type);
    operand.index = static_cast<int32_t>(slot);
    int32_t index = condition_->AddOperand(operand);
    condition_->AddTraced(label, index);
    return Typed{index, args[slot].type, label};
  }
  std::vector<absl::string_view> declared;
  for (const ArgumentSpec& arg : args) declared.push_back(arg.name);
  sink_->Error(
      expr.path[1].pos,
      absl::StrCat("tool ", scope_->tool_name, " has no argument '", name, "'",
                   declared.empty()
                       ? std::string("; it declares none")
                       : absl::StrCat("; it declares: ",
                                      absl::StrJoin(declared, ", "))));
  return std::nullopt;
}

std::optional<ConditionCompiler::Typed> ConditionCompiler::CompileField(
    const Expr& expr) {
  absl::string_view head = expr.path.front().text;
  if (expr.path.size() == 2) {
    for (const FieldInfo& info : kFields) {
      if (info.prefix == head && info.name == expr.path[1].text) {
        return AddField(info.field, FieldType(info.field),
                        absl::StrCat(head, ".", info.name));
      }
    }
  }
  std::vector<absl::string_view> known;
  for (const FieldInfo& info : kFields) {
    if (info.prefix == head) known.push_back(info.name);
  }
  sink_->Error(expr.pos, absl::StrCat("unknown field: ", head,
                                      " has: ", absl::StrJoin(known, ", ")));
  return std::nullopt;
}

std::optional<ConditionCompiler::Typed> ConditionCompiler::CompileSession(
    const Expr& expr) {
  const bool sum = expr.kind == Expr::Kind::kSessionSum;
  const char* call = sum ? "sum" : "count";
  bool ok = true;
  if (expr.scope.text != "session") {
    sink_->Error(expr.scope.pos,
                 absl::StrCat(call,
                              "() counts within the caller's session: "
                              "write session, not '",
                              expr.scope.text, "'"));
    ok = false;
  }
  if (expr.window > kMaxLimitWindow) {
    sink_->Error(expr.window_pos, absl::StrCat(call, "() looks back at most ",
                                               DurationText(kMaxLimitWindow),
                                               ", like a limit; not ",
                                               DurationText(expr.window)));
    ok = false;
  }
  if (!ok) return std::nullopt;
  SessionUse use;
  use.window = expr.window;
  use.sum = sum;
  SessionQuery query;
  query.window = expr.window;
  query.sum = sum;
  Type type = Type::Integer();
  std::string what;
  if (!sum) {
    use.tool = expr.session_tool.text;
    use.pos = expr.session_tool.pos;
    use.prefix = SessionCountPrefix(scope_->tenant, use.tool);
    what = absl::StrCat("tool ", use.tool);
  } else {
    const Expr& ref = *expr.operands[0];
    if (ref.path.front().text != "args") {
      sink_->Error(ref.pos,
                   absl::StrCat("sum() adds up an argument of this tool, "
                                "e.g. sum(args.amount, 24h, session); not ",
                                ref.path.front().text));
      return std::nullopt;
    }
    std::optional<Typed> arg = CompileArgument(ref);
    if (!arg.has_value()) return std::nullopt;
    if (arg->type.kind != Type::Kind::kMoney &&
        arg->type.kind != Type::Kind::kInteger) {
      sink_->Error(ref.pos,
                   absl::StrCat("sum() adds up money or an int, but ",
                                arg->label, " is ", arg->type.ToString()));
      return std::nullopt;
    }
    type = arg->type;
    use.tool = scope_->tool_name;
    use.pos = ref.pos;
    use.slot = condition_->operand(arg->operand).index;
    use.integer = type.kind == Type::Kind::kInteger;
    use.prefix = SessionSumPrefix(scope_->tenant, use.tool, ref.path[1].text);
    query.integer = use.integer;
    if (!use.integer) query.currency = type.currency;
    what = arg->label;
  }
  query.prefix = use.prefix;
  query.label = absl::StrCat(call, "(", what, ", ", DurationText(expr.window),
                             ", session)");
  if (scope_->sessions != nullptr) scope_->sessions->push_back(std::move(use));
  Operand operand;
  operand.source = Operand::Source::kSession;
  operand.domain = DomainOf(type);
  std::string label = query.label;
  operand.index = condition_->AddSessionQuery(std::move(query));
  int32_t index = condition_->AddOperand(operand);
  condition_->AddTraced(label, index);
  return Typed{index, std::move(type), std::move(label)};
}

ConditionCompiler::Typed ConditionCompiler::AddField(Field field, Type type,
                                                     std::string label) {
  Operand operand;
  operand.source = Operand::Source::kField;
  operand.domain = DomainOf(type);
  operand.index = static_cast<int32_t>(field);
  int32_t index = condition_->AddOperand(operand);
  condition_->AddTraced(label, index);
  return Typed{index, std::move(type), std::move(label)};
}

std::optional<ConditionCompiler::Typed> ConditionCompiler::CompileAs(
    const Expr& expr, const Type& type, absl::string_view against) {
  if (expr.kind == Expr::Kind::kLiteral) {
    std::optional<Constant> constant = Coerce(expr.literal, type, against);
    if (!constant.has_value()) return std::nullopt;
    Operand operand;
    operand.source = Operand::Source::kConstant;
    operand.domain = DomainOf(type);
    operand.index = condition_->AddConstant(std::move(*constant));
    return Typed{condition_->AddOperand(operand), type, expr.literal.written};
  }
  std::optional<Typed> value = CompileOperand(expr);
  if (!value.has_value()) return std::nullopt;
  if (!(value->type == type)) {
    sink_->Error(expr.pos,
                 absl::StrCat("cannot compare ", against, " (", type.ToString(),
                              ") with ", value->label, " (",
                              value->type.ToString(), ")"));
    return std::nullopt;
  }
  return value;
}

std::optional<Constant> ConditionCompiler::Coerce(const Literal& literal,
                                                  const Type& type,
                                                  absl::string_view against) {
  absl::StatusOr<Constant> constant = CoerceLiteral(literal, type, against);
  if (!constant.ok()) {
    sink_->Error(literal.pos, std::string(constant.status().message()));
    return std::nullopt;
  }
  return *std::move(constant);
}

}  // namespace portcullis::policy::policy_internal
