#include "policy/internal/value_text.h"

#include "absl/strings/str_cat.h"
#include "policy/internal/literals.h"
#include "policy/internal/quote.h"

namespace portcullis::policy::policy_internal {
namespace {

constexpr size_t kMaxListShown = 10;
constexpr int kMaxDepthShown = 4;

std::string Format(const Value& value, int depth) {
  if (const auto* s = std::get_if<std::string>(&value.v)) return Quote(*s);
  if (const auto* i = std::get_if<int64_t>(&value.v)) return absl::StrCat(*i);
  if (const auto* b = std::get_if<bool>(&value.v)) return *b ? "true" : "false";
  if (const auto* m = std::get_if<Money>(&value.v)) {
    return absl::StrCat(
        m->amount.ToString(), " ",
        LooksLikeCurrency(m->currency) ? m->currency : Quote(m->currency, 8));
  }
  const auto* list = std::get_if<Value::List>(&value.v);
  if (list == nullptr) return "?";
  if (depth >= kMaxDepthShown) return "[...]";
  std::string out = "[";
  for (size_t i = 0; i < list->size() && i < kMaxListShown; ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ", ", Format((*list)[i], depth + 1));
  }
  if (list->size() > kMaxListShown) absl::StrAppend(&out, ", ...");
  out += "]";
  return out;
}

}  // namespace

std::string FormatValue(const Value& value) { return Format(value, 0); }

const char* DescribeValueKind(const Value& value) {
  switch (value.v.index()) {
    case 0:
      return "a string";
    case 1:
      return "an int";
    case 2:
      return "a bool";
    case 3:
      return "money";
    default:
      return "a list";
  }
}

}  // namespace portcullis::policy::policy_internal
