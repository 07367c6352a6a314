#include "cli/action_flags.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace portcullis::cli {
namespace {

bool AllDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
}

// -?DIGITS(.DIGITS)?
bool IsDecimal(absl::string_view s) {
  absl::ConsumePrefix(&s, "-");
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(s, absl::MaxSplits('.', 1));
  return AllDigits(parts.first) &&
         (parts.second.empty() ? !absl::EndsWith(s, ".")
                               : AllDigits(parts.second));
}

bool IsCurrency(absl::string_view s) {
  return s.size() == 3 && std::all_of(s.begin(), s.end(), absl::ascii_isupper);
}

bool SplitPair(absl::string_view item, std::string& name, std::string& value) {
  size_t eq = item.find('=');
  if (eq == absl::string_view::npos || eq == 0) return false;
  name = std::string(absl::StripAsciiWhitespace(item.substr(0, eq)));
  value = std::string(item.substr(eq + 1));
  return !name.empty();
}

absl::Status SetContextField(const std::string& key, const std::string& text,
                             v1::ActionContext& context) {
  const google::protobuf::Descriptor* type = context.GetDescriptor();
  const google::protobuf::FieldDescriptor* field = type->FindFieldByName(key);
  if (field == nullptr) field = type->FindFieldByCamelcaseName(key);
  if (field == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--context ", key,
        ": not a context field; use confidence, run_mode, request_id, "
        "correlation_id or session_id"));
  }
  const google::protobuf::Reflection* reflection = context.GetReflection();
  switch (field->cpp_type()) {
    case google::protobuf::FieldDescriptor::CPPTYPE_DOUBLE: {
      double number = 0;
      if (!absl::SimpleAtod(text, &number)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--context ", key, ": \"", text, "\" is not a number"));
      }
      reflection->SetDouble(&context, field, number);
      return absl::OkStatus();
    }
    case google::protobuf::FieldDescriptor::CPPTYPE_ENUM: {
      const google::protobuf::EnumDescriptor* values = field->enum_type();
      const google::protobuf::EnumValueDescriptor* value =
          values->FindValueByName(text);
      if (value == nullptr) {
        value = values->FindValueByName(
            absl::StrCat("RUN_MODE_", absl::AsciiStrToUpper(text)));
      }
      if (value == nullptr || value->number() == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("--context ", key, ": \"", text,
                         "\" is not one of interactive, unattended"));
      }
      reflection->SetEnum(&context, field, value);
      return absl::OkStatus();
    }
    case google::protobuf::FieldDescriptor::CPPTYPE_STRING:
      reflection->SetString(&context, field, text);
      return absl::OkStatus();
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("--context ", key, ": cannot be set from text"));
  }
}

}  // namespace

v1::Value ParseArgumentValue(absl::string_view text) {
  v1::Value value;
  absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (trimmed.size() >= 2 && absl::StartsWith(trimmed, "\"") &&
      absl::EndsWith(trimmed, "\"")) {
    value.set_string_value(std::string(trimmed.substr(1, trimmed.size() - 2)));
    return value;
  }
  if (trimmed.size() >= 2 && absl::StartsWith(trimmed, "[") &&
      absl::EndsWith(trimmed, "]")) {
    v1::ListValue& list = *value.mutable_list_value();
    absl::string_view inner =
        absl::StripAsciiWhitespace(trimmed.substr(1, trimmed.size() - 2));
    if (inner.empty()) return value;
    for (absl::string_view item : absl::StrSplit(inner, ',')) {
      *list.add_values() = ParseArgumentValue(item);
    }
    return value;
  }
  if (trimmed == "true" || trimmed == "false") {
    value.set_bool_value(trimmed == "true");
    return value;
  }
  if (trimmed.size() > 3 && IsCurrency(trimmed.substr(trimmed.size() - 3))) {
    absl::string_view amount = absl::StripTrailingAsciiWhitespace(
        trimmed.substr(0, trimmed.size() - 3));
    if (IsDecimal(amount)) {
      value.mutable_money_value()->set_amount(std::string(amount));
      value.mutable_money_value()->set_currency(
          std::string(trimmed.substr(trimmed.size() - 3)));
      return value;
    }
  }
  int64_t number = 0;
  absl::string_view digits = trimmed;
  absl::ConsumePrefix(&digits, "-");
  if (AllDigits(digits) && absl::SimpleAtoi(trimmed, &number)) {
    value.set_int_value(number);
    return value;
  }
  value.set_string_value(std::string(text));
  return value;
}

absl::Status AddArguments(const std::vector<std::string>& args,
                          v1::Action& action) {
  for (const std::string& item : args) {
    std::string name, text;
    if (!SplitPair(item, name, text)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--arg \"", item, "\": write NAME=VALUE, e.g. value=75.00SAR"));
    }
    auto [it, added] =
        action.mutable_arguments()->insert({name, ParseArgumentValue(text)});
    if (!added) {
      return absl::InvalidArgumentError(
          absl::StrCat("--arg ", name, " is given twice"));
    }
  }
  return absl::OkStatus();
}

absl::Status SetContext(const std::vector<std::string>& items,
                        v1::Action& action) {
  for (const std::string& item : items) {
    std::string key, text;
    if (!SplitPair(item, key, text)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--context \"", item, "\": write KEY=VALUE, e.g. confidence=0.6"));
    }
    absl::Status s = SetContextField(key, text, *action.mutable_context());
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<RepeatedFlag>> ExtractRepeatedFlags(
    std::vector<char*>& argv, const std::vector<std::string>& names) {
  std::vector<RepeatedFlag> found;
  std::vector<char*> kept;
  size_t i = 0;
  for (; i < argv.size(); ++i) {
    absl::string_view word = argv[i];
    if (word == "--") break;
    absl::string_view body = word;
    if (i == 0 || !(absl::ConsumePrefix(&body, "--") ||
                    absl::ConsumePrefix(&body, "-"))) {
      kept.push_back(argv[i]);
      continue;
    }
    size_t eq = body.find('=');
    std::string name(body.substr(0, eq));
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      kept.push_back(argv[i]);
      continue;
    }
    if (eq != absl::string_view::npos) {
      found.push_back({name, std::string(body.substr(eq + 1))});
    } else if (i + 1 < argv.size()) {
      found.push_back({name, argv[++i]});
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("flag --", name, " needs a value"));
    }
  }
  kept.insert(kept.end(), argv.begin() + i, argv.end());
  argv = std::move(kept);
  return found;
}

}  // namespace portcullis::cli
