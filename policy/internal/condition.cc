#include "policy/internal/condition.h"

#include <algorithm>
#include <compare>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policy/internal/quote.h"
#include "policy/internal/tool.h"
#include "policy/internal/value_text.h"

namespace portcullis::policy::policy_internal {
namespace {

template <typename T>
bool Apply(CompareOp op, const T& a, const T& b) {
  switch (op) {
    case CompareOp::kEq:
      return a == b;
    case CompareOp::kNe:
      return a != b;
    case CompareOp::kLt:
      return a < b;
    case CompareOp::kLe:
      return a <= b;
    case CompareOp::kGt:
      return a > b;
    case CompareOp::kGe:
      return a >= b;
  }
  return false;
}

// Unicode code points in UTF-8 text: every byte that does not continue a
// sequence starts a character.
int64_t CountCharacters(absl::string_view text) {
  return std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  });
}

}  // namespace

int32_t Condition::AddOperand(Operand operand) {
  operands_.push_back(operand);
  return static_cast<int32_t>(operands_.size() - 1);
}

int32_t Condition::AddConstant(Constant constant) {
  constants_.push_back(std::move(constant));
  return static_cast<int32_t>(constants_.size() - 1);
}

int32_t Condition::AddNode(Node node) {
  nodes_.push_back(node);
  return static_cast<int32_t>(nodes_.size() - 1);
}

int32_t Condition::AddChildren(absl::Span<const int32_t> nodes) {
  int32_t first = static_cast<int32_t>(children_.size());
  children_.insert(children_.end(), nodes.begin(), nodes.end());
  return first;
}

int32_t Condition::AddRegex(std::unique_ptr<RE2> regex) {
  regexes_.push_back(std::move(regex));
  return static_cast<int32_t>(regexes_.size() - 1);
}

int32_t Condition::AddWindow(TimeWindow window) {
  windows_.push_back(std::move(window));
  return static_cast<int32_t>(windows_.size() - 1);
}

int32_t Condition::AddSessionQuery(SessionQuery query) {
  sessions_.push_back(std::move(query));
  return static_cast<int32_t>(sessions_.size() - 1);
}

void Condition::AddTraced(std::string label, int32_t operand) {
  for (const auto& traced : traced_) {
    if (traced.first == label) return;
  }
  traced_.emplace_back(std::move(label), operand);
}

bool Condition::Eval(int32_t index, const EvalInput& input) const {
  const Node& node = nodes_[index];
  switch (node.kind) {
    case Node::Kind::kAnd:
      for (int32_t i = 0; i < node.count; ++i) {
        if (!Eval(children_[node.first + i], input)) return false;
      }
      return true;
    case Node::Kind::kOr:
      for (int32_t i = 0; i < node.count; ++i) {
        if (Eval(children_[node.first + i], input)) return true;
      }
      return false;
    case Node::Kind::kNot:
      return !Eval(children_[node.first], input);
    case Node::Kind::kTest:
      return Read(node.lhs, input).boolean;
    case Node::Kind::kCompare:
      return EvalCompare(node, input);
    case Node::Kind::kIn:
      return EvalIn(node, input) != node.negated;
    case Node::Kind::kStartsWith:
      return absl::StartsWith(Read(node.lhs, input).text,
                              Read(node.rhs, input).text);
    case Node::Kind::kEndsWith:
      return absl::EndsWith(Read(node.lhs, input).text,
                            Read(node.rhs, input).text);
    case Node::Kind::kContainsText:
      return absl::StrContains(Read(node.lhs, input).text,
                               Read(node.rhs, input).text);
    case Node::Kind::kListContains:
      return EvalListContains(node, input);
    case Node::Kind::kMatches: {
      absl::string_view text = Read(node.lhs, input).text;
      return RE2::FullMatch(re2::StringPiece(text.data(), text.size()),
                            *regexes_[node.aux]);
    }
    case Node::Kind::kWindow:
      return windows_[node.aux].Contains(input.now);
  }
  return false;
}

bool Condition::EvalCompare(const Node& node, const EvalInput& input) const {
  Domain domain = operands_[node.lhs].domain;
  if (domain == Domain::kMoney) {
    Decimal left;
    Decimal right;
    return Compare(node.op, domain, ReadWith(node.lhs, input, &left),
                   ReadWith(node.rhs, input, &right));
  }
  return Compare(node.op, domain, Read(node.lhs, input), Read(node.rhs, input));
}

bool Condition::EvalIn(const Node& node, const EvalInput& input) const {
  Domain domain = operands_[node.lhs].domain;
  Decimal storage;
  Scalar value = ReadWith(node.lhs, input, &storage);
  for (int32_t i = node.first; i < node.first + node.count; ++i) {
    const Constant& c = constants_[i];
    Scalar constant{c.text, c.integer, c.number, c.boolean, &c.amount, nullptr};
    if (Compare(CompareOp::kEq, domain, value, constant)) return true;
  }
  return false;
}

bool Condition::EvalListContains(const Node& node,
                                 const EvalInput& input) const {
  const Value::List* list = Read(node.lhs, input).list;
  if (list == nullptr) return false;
  Scalar wanted = Read(node.rhs, input);
  for (const Value& element : *list) {
    if (Compare(CompareOp::kEq, node.element, FromValue(element, node.element),
                wanted)) {
      return true;
    }
  }
  return false;
}

Condition::Scalar Condition::Read(int32_t index, const EvalInput& input) const {
  const Operand& operand = operands_[index];
  switch (operand.source) {
    case Operand::Source::kArgument:
      return FromValue(*input.args[operand.index], operand.domain);
    case Operand::Source::kField:
      return ReadField(static_cast<Field>(operand.index), input);
    case Operand::Source::kConstant: {
      const Constant& c = constants_[operand.index];
      return Scalar{c.text, c.integer, c.number, c.boolean, &c.amount, nullptr};
    }
    case Operand::Source::kSession:
      // Only count() and int sums come here: money sums use ReadWith.
      return ReadSession(sessions_[operand.index], input, nullptr);
    case Operand::Source::kLength: {
      Scalar measured = Read(operand.index, input);
      Scalar length;
      length.integer = measured.list != nullptr
                           ? static_cast<int64_t>(measured.list->size())
                           : CountCharacters(measured.text);
      return length;
    }
  }
  return Scalar{};
}

Condition::Scalar Condition::ReadWith(int32_t index, const EvalInput& input,
                                      Decimal* storage) const {
  const Operand& operand = operands_[index];
  if (operand.source == Operand::Source::kSession) {
    return ReadSession(sessions_[operand.index], input, storage);
  }
  return Read(index, input);
}

Condition::Scalar Condition::ReadSession(const SessionQuery& query,
                                         const EvalInput& input,
                                         Decimal* amount) const {
  Scalar s;
  const bool money = query.sum && !query.integer;
  if (money && amount != nullptr) {
    *amount = Decimal();
    s.amount = amount;
  }
  if (input.usage == nullptr) return s;
  std::string key = absl::StrCat(query.prefix, input.session_tail);
  absl::Time since = input.now - query.window;
  if (!query.sum) {
    s.integer = input.usage->Count(key, since);
    return s;
  }
  Decimal sum = input.usage->Sum(key, since);
  if (money) {
    if (amount != nullptr) *amount = sum;
    return s;
  }
  // An int sum: whole numbers; saturate beyond int64.
  if (!absl::SimpleAtoi(sum.ToString(), &s.integer)) {
    s.integer = sum.is_negative() ? INT64_MIN : INT64_MAX;
  }
  return s;
}

Condition::Scalar Condition::FromValue(const Value& value, Domain domain) {
  Scalar s;
  switch (domain) {
    case Domain::kText:
      if (const auto* t = std::get_if<std::string>(&value.v)) s.text = *t;
      break;
    case Domain::kInteger:
      if (const auto* i = std::get_if<int64_t>(&value.v)) s.integer = *i;
      break;
    case Domain::kBool:
      if (const auto* b = std::get_if<bool>(&value.v)) s.boolean = *b;
      break;
    case Domain::kMoney:
      if (const auto* m = std::get_if<Money>(&value.v)) s.amount = &m->amount;
      break;
    case Domain::kList:
      s.list = std::get_if<Value::List>(&value.v);
      break;
    case Domain::kNumber:
      break;
  }
  return s;
}

Condition::Scalar Condition::ReadField(Field field, const EvalInput& input) {
  const Action& action = *input.action;
  Scalar s;
  switch (field) {
    case Field::kConfidence:
      s.number = action.context.confidence.value_or(0.0);
      break;
    case Field::kHasConfidence:
      s.boolean = action.context.confidence.has_value();
      break;
    case Field::kRunMode:
      s.text = action.context.run_mode == RunMode::kUnattended ? "unattended"
                                                               : "interactive";
      break;
    case Field::kAgent:
      s.text = action.agent;
      break;
    case Field::kSessionId:
      s.text = action.context.session_id;
      break;
    case Field::kRequestId:
      s.text = action.context.request_id;
      break;
    case Field::kCorrelationId:
      s.text = action.context.correlation_id;
      break;
    case Field::kToolName:
      s.text = input.tool->name;
      break;
    case Field::kToolClass:
      s.text = input.tool->authority;
      break;
    case Field::kToolIrreversible:
      s.boolean = input.tool->irreversible;
      break;
  }
  return s;
}

bool Condition::Compare(CompareOp op, Domain domain, const Scalar& a,
                        const Scalar& b) {
  switch (domain) {
    case Domain::kText:
      return Apply(op, a.text, b.text);
    case Domain::kInteger:
      return Apply(op, a.integer, b.integer);
    case Domain::kNumber:
      return Apply(op, a.number, b.number);
    case Domain::kBool:
      return Apply(op, a.boolean, b.boolean);
    case Domain::kMoney:
      if (a.amount == nullptr || b.amount == nullptr) return false;
      return Apply(op, *a.amount, *b.amount);
    case Domain::kList:
      return false;
  }
  return false;
}

std::string Condition::DescribeInputs(const EvalInput& input) const {
  std::vector<std::string> parts;
  for (const auto& [label, index] : traced_) {
    const Operand& operand = operands_[index];
    std::string shown;
    if (operand.source == Operand::Source::kArgument) {
      shown = FormatValue(*input.args[operand.index]);
    } else if (operand.source == Operand::Source::kSession &&
               operand.domain == Domain::kMoney) {
      Decimal amount;
      ReadWith(index, input, &amount);
      shown = absl::StrCat(amount.ToString(), " ",
                           sessions_[operand.index].currency);
    } else {
      Scalar s = Read(index, input);
      switch (operand.domain) {
        case Domain::kText:
          shown = Quote(s.text);
          break;
        case Domain::kNumber:
          shown = absl::StrCat(s.number);
          break;
        case Domain::kBool:
          shown = s.boolean ? "true" : "false";
          break;
        default:
          shown = absl::StrCat(s.integer);
          break;
      }
    }
    parts.push_back(absl::StrCat(label, " = ", shown));
  }
  for (const TimeWindow& window : windows_) {
    std::string local =
        absl::StrCat("local time ", window.DescribeLocal(input.now));
    if (std::find(parts.begin(), parts.end(), local) == parts.end()) {
      parts.push_back(std::move(local));
    }
  }
  return absl::StrJoin(parts, "; ");
}

}  // namespace portcullis::policy::policy_internal
