#include "policy/internal/type.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace portcullis::policy::policy_internal {

Type Type::Integer() {
  Type t;
  t.kind = Kind::kInteger;
  return t;
}

Type Type::Number() {
  Type t;
  t.kind = Kind::kNumber;
  return t;
}

Type Type::Bool() {
  Type t;
  t.kind = Kind::kBool;
  return t;
}

Type Type::Money(std::string currency, int minor_units) {
  Type t;
  t.kind = Kind::kMoney;
  t.currency = std::move(currency);
  t.minor_units = minor_units;
  return t;
}

Type Type::Enum(std::vector<std::string> members) {
  Type t;
  t.kind = Kind::kEnum;
  t.members = std::move(members);
  return t;
}

Type Type::List(Type element) {
  Type t;
  t.kind = Kind::kList;
  t.element = std::make_shared<const Type>(std::move(element));
  return t;
}

std::string Type::ToString() const {
  switch (kind) {
    case Kind::kString:
      return "string";
    case Kind::kInteger:
      return "int";
    case Kind::kNumber:
      return "number";
    case Kind::kBool:
      return "bool";
    case Kind::kMoney:
      return absl::StrCat("money(", currency, ")");
    case Kind::kEnum:
      return absl::StrCat("enum(", absl::StrJoin(members, ", "), ")");
    case Kind::kList:
      return absl::StrCat("list(of ", element->ToString(), ")");
  }
  return "?";
}

bool Type::HasMember(const std::string& member) const {
  return std::find(members.begin(), members.end(), member) != members.end();
}

bool Type::IsOrdered() const {
  return kind == Kind::kInteger || kind == Kind::kNumber ||
         kind == Kind::kMoney;
}

bool operator==(const Type& a, const Type& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Type::Kind::kMoney:
      return a.currency == b.currency;
    case Type::Kind::kEnum:
      return a.members == b.members;
    case Type::Kind::kList:
      return *a.element == *b.element;
    default:
      return true;
  }
}

}  // namespace portcullis::policy::policy_internal
