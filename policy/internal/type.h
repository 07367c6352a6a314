// Type is the checked type of an argument, a context field or a constant:
// what an action's value must look like, and what a condition may do with
// it. Plain value; thread-safe for concurrent const use.
#ifndef PORTCULLIS_POLICY_INTERNAL_TYPE_H_
#define PORTCULLIS_POLICY_INTERNAL_TYPE_H_

#include <memory>
#include <string>
#include <vector>

namespace portcullis::policy::policy_internal {

struct Type {
  enum class Kind { kString, kInteger, kNumber, kBool, kMoney, kEnum, kList };

  Kind kind = Kind::kString;
  std::string currency;                 // kMoney
  int minor_units = 0;                  // kMoney: decimals allowed
  std::vector<std::string> members;     // kEnum, in declaration order
  std::shared_ptr<const Type> element;  // kList

  static Type String() { return Type{}; }
  static Type Integer();
  static Type Number();
  static Type Bool();
  static Type Money(std::string currency, int minor_units);
  static Type Enum(std::vector<std::string> members);
  static Type List(Type element);

  // As written in a policy: "money(SAR)", "enum(gold, silver)",
  // "list(of string)". The context's confidence is "number".
  std::string ToString() const;

  // True when the enum has `member`.
  bool HasMember(const std::string& member) const;

  // True for types that compare with <, <=, >, >=.
  bool IsOrdered() const;

  friend bool operator==(const Type& a, const Type& b);
};

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_TYPE_H_
