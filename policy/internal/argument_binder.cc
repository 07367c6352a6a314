#include "policy/internal/argument_binder.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policy/internal/quote.h"
#include "policy/internal/value_text.h"

namespace portcullis::policy::policy_internal {
namespace {

constexpr size_t kMaxMembersShown = 20;

absl::Status WrongKind(absl::string_view name, const Type& type,
                       const Value& value) {
  return absl::InvalidArgumentError(absl::StrCat("argument ", name, " must be ",
                                                 type.ToString(), ", got ",
                                                 DescribeValueKind(value)));
}

std::string MembersText(const Type& type) {
  std::vector<std::string> shown;
  for (size_t i = 0; i < type.members.size() && i < kMaxMembersShown; ++i) {
    shown.push_back(Quote(type.members[i]));
  }
  if (type.members.size() > kMaxMembersShown) shown.push_back("...");
  return absl::StrJoin(shown, ", ");
}

// The money as written in messages: "-5 SAR". Only built for an error.
std::string Shown(const Money& money) { return FormatValue(Value{money}); }

absl::Status CheckMoney(absl::string_view name, const Type& type,
                        const Money& money) {
  if (money.currency != type.currency) {
    return absl::InvalidArgumentError(
        absl::StrCat("argument ", name, " must be in ", type.currency, ", got ",
                     Shown(money)));
  }
  if (money.amount.is_negative()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "argument ", name, " must not be negative, got ", Shown(money)));
  }
  if (money.amount.fraction_digits() > type.minor_units) {
    return absl::InvalidArgumentError(
        absl::StrCat("argument ", name, " has ", money.amount.fraction_digits(),
                     " decimals, but ", type.currency, " allows at most ",
                     type.minor_units, ": got ", Shown(money)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckArgumentValue(absl::string_view name, const Type& type,
                                const Value& value) {
  switch (type.kind) {
    case Type::Kind::kString:
      if (!std::holds_alternative<std::string>(value.v)) {
        return WrongKind(name, type, value);
      }
      return absl::OkStatus();
    case Type::Kind::kInteger:
      if (!std::holds_alternative<int64_t>(value.v)) {
        return WrongKind(name, type, value);
      }
      return absl::OkStatus();
    case Type::Kind::kNumber:
      return WrongKind(name, type, value);
    case Type::Kind::kBool:
      if (!std::holds_alternative<bool>(value.v)) {
        return WrongKind(name, type, value);
      }
      return absl::OkStatus();
    case Type::Kind::kMoney: {
      const auto* money = std::get_if<Money>(&value.v);
      if (money == nullptr) return WrongKind(name, type, value);
      return CheckMoney(name, type, *money);
    }
    case Type::Kind::kEnum: {
      const auto* text = std::get_if<std::string>(&value.v);
      if (text == nullptr) return WrongKind(name, type, value);
      if (!type.HasMember(*text)) {
        return absl::InvalidArgumentError(
            absl::StrCat("argument ", name, " must be one of ",
                         MembersText(type), ", got ", Quote(*text)));
      }
      return absl::OkStatus();
    }
    case Type::Kind::kList: {
      const auto* list = std::get_if<Value::List>(&value.v);
      if (list == nullptr) return WrongKind(name, type, value);
      for (size_t i = 0; i < list->size(); ++i) {
        absl::Status s = CheckArgumentValue(absl::StrCat(name, "[", i, "]"),
                                            *type.element, (*list)[i]);
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    }
  }
  return WrongKind(name, type, value);
}

absl::Status BindArguments(const CompiledTool& tool,
                           const std::map<std::string, Value>& given,
                           ArgumentSlots* slots) {
  slots->clear();
  // Both sides are sorted by name: one merge pass.
  auto it = given.begin();
  for (const ArgumentSpec& spec : tool.args) {
    if (it != given.end() && it->first < spec.name) break;
    if (it != given.end() && it->first == spec.name) {
      absl::Status s = CheckArgumentValue(spec.name, spec.type, it->second);
      if (!s.ok()) return s;
      slots->push_back(&it->second);
      ++it;
      continue;
    }
    if (!spec.default_value.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("argument ", spec.name, " is required for tool ",
                       tool.name, ": expected ", spec.type.ToString()));
    }
    slots->push_back(&*spec.default_value);
  }
  if (it != given.end()) {
    std::vector<absl::string_view> declared;
    for (const ArgumentSpec& spec : tool.args) declared.push_back(spec.name);
    return absl::InvalidArgumentError(absl::StrCat(
        "argument ", Quote(it->first), " is not declared for tool ", tool.name,
        declared.empty()
            ? std::string("; it takes no arguments")
            : absl::StrCat("; it takes: ", absl::StrJoin(declared, ", "))));
  }
  return absl::OkStatus();
}

}  // namespace portcullis::policy::policy_internal
