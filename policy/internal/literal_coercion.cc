#include "policy/internal/literal_coercion.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "policy/internal/quote.h"

namespace portcullis::policy::policy_internal {
namespace {

absl::Status Mismatch(const Literal& literal, const Type& type,
                      absl::string_view against, absl::string_view hint) {
  return absl::InvalidArgumentError(
      absl::StrCat("cannot compare ", against, " (", type.ToString(), ") with ",
                   literal.written, " (", DescribeLiteral(literal), ")", hint));
}

absl::StatusOr<Constant> CoerceText(const Literal& literal, const Type& type,
                                    absl::string_view against) {
  if (literal.kind != Literal::Kind::kString) {
    return Mismatch(literal, type, against,
                    type.kind == Type::Kind::kEnum
                        ? "; write enum values in quotes"
                        : "; write text in quotes");
  }
  if (type.kind == Type::Kind::kEnum && !type.HasMember(literal.text)) {
    return absl::InvalidArgumentError(
        absl::StrCat(Quote(literal.text), " is not a value of ", against, ": ",
                     type.ToString()));
  }
  Constant c;
  c.text = literal.text;
  return c;
}

absl::StatusOr<Constant> CoerceMoney(const Literal& literal, const Type& type,
                                     absl::string_view against) {
  if (literal.kind == Literal::Kind::kInteger ||
      literal.kind == Literal::Kind::kDecimal) {
    return Mismatch(literal, type, against,
                    absl::StrCat("; write the amount with its currency, e.g. ",
                                 literal.written, " ", type.currency));
  }
  if (literal.kind != Literal::Kind::kMoney) {
    return Mismatch(literal, type, against, "");
  }
  if (literal.currency != type.currency) {
    return Mismatch(literal, type, against, "; the currencies differ");
  }
  if (literal.amount.fraction_digits() > type.minor_units) {
    return absl::InvalidArgumentError(
        absl::StrCat(literal.written, " has more decimals than ", type.currency,
                     " allows (", type.minor_units, ")"));
  }
  Constant c;
  c.amount = literal.amount;
  return c;
}

}  // namespace

std::string DescribeLiteral(const Literal& literal) {
  switch (literal.kind) {
    case Literal::Kind::kString:
      return "a string";
    case Literal::Kind::kInteger:
      return "an int";
    case Literal::Kind::kDecimal:
      return "a decimal number";
    case Literal::Kind::kMoney:
      return absl::StrCat("money(", literal.currency, ")");
    case Literal::Kind::kBool:
      return "a bool";
  }
  return "a value";
}

absl::StatusOr<Constant> CoerceLiteral(const Literal& literal, const Type& type,
                                       absl::string_view against) {
  Constant c;
  switch (type.kind) {
    case Type::Kind::kString:
    case Type::Kind::kEnum:
      return CoerceText(literal, type, against);
    case Type::Kind::kMoney:
      return CoerceMoney(literal, type, against);
    case Type::Kind::kInteger:
      if (literal.kind != Literal::Kind::kInteger) break;
      c.integer = literal.integer;
      return c;
    case Type::Kind::kNumber:
      // Integers and decimals both compare with a number (the confidence).
      if (literal.kind != Literal::Kind::kInteger &&
          literal.kind != Literal::Kind::kDecimal) {
        break;
      }
      if (!absl::SimpleAtod(literal.amount.ToString(), &c.number)) break;
      return c;
    case Type::Kind::kBool:
      if (literal.kind != Literal::Kind::kBool) break;
      c.boolean = literal.boolean;
      return c;
    case Type::Kind::kList:
      return Mismatch(literal, type, against,
                      "; use contains or len() on a list");
  }
  return Mismatch(literal, type, against, "");
}

}  // namespace portcullis::policy::policy_internal
