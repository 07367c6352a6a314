#include "gate/action_validation.h"

#include <cmath>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/identifiers.h"

namespace portcullis::gate {
namespace {

absl::Status InField(absl::string_view field, const absl::Status& s) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(field, ": ", s.message()));
}

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

absl::Status ValidateCurrency(absl::string_view field,
                              absl::string_view currency) {
  bool ok = currency.size() == 3;
  for (char c : currency) ok = ok && absl::ascii_isupper(c);
  if (!ok) {
    return Invalid(field,
                   "currency must be an ISO 4217 code of three capital "
                   "letters, e.g. \"SAR\"");
  }
  return absl::OkStatus();
}

absl::Status ValidateValue(const std::string& field, const policy::Value& value,
                           const ActionLimits& limits, int depth) {
  if (const auto* s = std::get_if<std::string>(&value.v)) {
    if (s->size() > limits.max_string_bytes) {
      return Invalid(
          field, absl::StrCat("string is ", s->size(), " bytes; the limit is ",
                              limits.max_string_bytes));
    }
  } else if (const auto* m = std::get_if<policy::Money>(&value.v)) {
    return ValidateCurrency(field, m->currency);
  } else if (const auto* list = std::get_if<policy::Value::List>(&value.v)) {
    if (depth >= limits.max_list_depth) {
      return Invalid(field, absl::StrCat("lists nest deeper than ",
                                         limits.max_list_depth, " levels"));
    }
    if (list->size() > limits.max_list_items) {
      return Invalid(
          field, absl::StrCat("list has ", list->size(),
                              " items; the limit is ", limits.max_list_items));
    }
    for (size_t i = 0; i < list->size(); ++i) {
      absl::Status s = ValidateValue(absl::StrCat(field, "[", i, "]"),
                                     (*list)[i], limits, depth + 1);
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateContext(const policy::ActionContext& c) {
  if (c.confidence.has_value() &&
      !(*c.confidence >= 0.0 && *c.confidence <= 1.0)) {
    return Invalid("action.context.confidence", "must be between 0 and 1");
  }
  const std::pair<const char*, const std::string*> ids[] = {
      {"action.context.request_id", &c.request_id},
      {"action.context.correlation_id", &c.correlation_id},
      {"action.context.session_id", &c.session_id},
  };
  for (const auto& [field, id] : ids) {
    absl::Status s = ValidateOpaqueId(field, *id);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateAction(const policy::Action& action,
                            const ActionLimits& limits) {
  if (absl::Status s = ValidateTenantId(action.tenant); !s.ok()) {
    return InField("action.tenant", s);
  }
  if (absl::Status s = ValidateAgentId(action.agent); !s.ok()) {
    return InField("action.agent", s);
  }
  if (absl::Status s = ValidateToolName(action.tool); !s.ok()) {
    return InField("action.tool", s);
  }
  if (action.arguments.size() > limits.max_arguments) {
    return Invalid("action.arguments", absl::StrCat(action.arguments.size(),
                                                    " arguments; the limit is ",
                                                    limits.max_arguments));
  }
  for (const auto& [name, value] : action.arguments) {
    if (absl::Status s = ValidateArgumentName(name); !s.ok()) {
      return InField("action.arguments", s);
    }
    absl::Status s = ValidateValue(absl::StrCat("action.arguments.", name),
                                   value, limits, 0);
    if (!s.ok()) return s;
  }
  if (absl::Status s = ValidateContext(action.context); !s.ok()) return s;
  return ValidateOpaqueId("action.idempotency_key", action.idempotency_key);
}

}  // namespace portcullis::gate
