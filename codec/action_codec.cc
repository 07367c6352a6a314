#include "codec/action_codec.h"

#include <string>
#include <variant>

#include "absl/strings/str_cat.h"
#include "base/bounded_text.h"
#include "base/identifiers.h"

namespace portcullis::codec {
namespace {

constexpr int kMaxDepth = 8;

// Errors name the place within the value ("[2].amount: ...", ": no value
// is set"); the caller puts the field's path in front. Building paths only
// on error keeps the common case free of allocations for them.
absl::Status Within(absl::string_view place, const absl::Status& error) {
  return absl::Status(error.code(), absl::StrCat(place, error.message()));
}

absl::StatusOr<policy::Value> ValueFromProto(const v1::Value& proto,
                                             int depth) {
  switch (proto.kind_case()) {
    case v1::Value::kStringValue:
      return policy::Value{proto.string_value()};
    case v1::Value::kIntValue:
      return policy::Value{static_cast<int64_t>(proto.int_value())};
    case v1::Value::kBoolValue:
      return policy::Value{proto.bool_value()};
    case v1::Value::kMoneyValue: {
      auto amount = policy::Decimal::Parse(proto.money_value().amount());
      if (!amount.ok()) {
        // Decimal's message echoes the text raw; quote it here instead.
        return absl::InvalidArgumentError(absl::StrCat(
            ".amount: ", BoundedQuote(proto.money_value().amount()),
            " is not a decimal number (digits, at most one '.', a leading "
            "'-')"));
      }
      return policy::Value{
          policy::Money{*amount, proto.money_value().currency()}};
    }
    case v1::Value::kListValue: {
      if (depth >= kMaxDepth) {
        return absl::InvalidArgumentError(": lists nest too deeply");
      }
      policy::Value::List items;
      items.reserve(proto.list_value().values_size());
      for (int i = 0; i < proto.list_value().values_size(); ++i) {
        auto item = ValueFromProto(proto.list_value().values(i), depth + 1);
        if (!item.ok()) return Within(absl::StrCat("[", i, "]"), item.status());
        items.push_back(*std::move(item));
      }
      return policy::Value{std::move(items)};
    }
    case v1::Value::KIND_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(": no value is set");
}

void ValueToProto(const policy::Value& value, v1::Value* proto) {
  std::visit(
      [proto](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          proto->set_string_value(v);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          proto->set_int_value(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          proto->set_bool_value(v);
        } else if constexpr (std::is_same_v<T, policy::Money>) {
          proto->mutable_money_value()->set_amount(v.amount.ToString());
          proto->mutable_money_value()->set_currency(v.currency);
        } else {
          auto* list = proto->mutable_list_value();
          for (const policy::Value& item : v) {
            ValueToProto(item, list->add_values());
          }
        }
      },
      value.v);
}

}  // namespace

absl::StatusOr<policy::Value> ArgumentValueFromProto(const v1::Value& proto) {
  return ValueFromProto(proto, 0);
}

void ArgumentValueToProto(const policy::Value& value, v1::Value* proto) {
  ValueToProto(value, proto);
}

absl::StatusOr<policy::Action> ActionFromProto(const v1::Action& proto) {
  policy::Action action;
  action.tenant = proto.tenant();
  action.agent = proto.agent();
  action.tool = proto.tool();
  action.idempotency_key = proto.idempotency_key();
  for (const auto& [name, value] : proto.arguments()) {
    auto converted = ValueFromProto(value, 0);
    if (!converted.ok()) {
      // The name is the caller's: echoed as is only when it is a valid one.
      return Within(
          ValidateArgumentName(name).ok()
              ? absl::StrCat("action.arguments.", name)
              : absl::StrCat("action.arguments[", BoundedQuote(name), "]"),
          converted.status());
    }
    action.arguments.emplace(name, *std::move(converted));
  }
  const v1::ActionContext& c = proto.context();
  if (c.has_confidence()) action.context.confidence = c.confidence();
  action.context.run_mode = c.run_mode() == v1::RUN_MODE_UNATTENDED
                                ? policy::RunMode::kUnattended
                                : policy::RunMode::kInteractive;
  action.context.request_id = c.request_id();
  action.context.correlation_id = c.correlation_id();
  action.context.session_id = c.session_id();
  return action;
}

policy::Action ActionHeaderFromProto(const v1::Action& proto) {
  v1::Action header = proto;
  header.clear_arguments();
  // Without arguments nothing in the codec can fail.
  return *ActionFromProto(header);
}

void ActionToProto(const policy::Action& action, v1::Action* proto) {
  proto->set_tenant(action.tenant);
  proto->set_agent(action.agent);
  proto->set_tool(action.tool);
  proto->set_idempotency_key(action.idempotency_key);
  auto& arguments = *proto->mutable_arguments();
  for (const auto& [name, value] : action.arguments) {
    ValueToProto(value, &arguments[name]);
  }
  v1::ActionContext* c = proto->mutable_context();
  if (action.context.confidence) c->set_confidence(*action.context.confidence);
  c->set_run_mode(action.context.run_mode == policy::RunMode::kUnattended
                      ? v1::RUN_MODE_UNATTENDED
                      : v1::RUN_MODE_INTERACTIVE);
  c->set_request_id(action.context.request_id);
  c->set_correlation_id(action.context.correlation_id);
  c->set_session_id(action.context.session_id);
}

}  // namespace portcullis::codec
