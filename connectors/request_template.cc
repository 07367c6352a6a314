#include "connectors/request_template.h"

#include <curl/curl.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <memory>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/identifiers.h"

namespace portcullis::connectors {
namespace {

constexpr absl::string_view kVault = "vault://";

// Calls `visit(placeholder)` for each "{{...}}" in `text` and returns the
// rendered text; InvalidArgument for a "{{" without its "}}". Single braces
// are text, so JSON bodies need no escaping.
template <typename Visit>
absl::StatusOr<std::string> Expand(absl::string_view text, Visit visit) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find("{{", i);
    if (open == absl::string_view::npos) {
      out.append(text.data() + i, text.size() - i);
      break;
    }
    size_t close = text.find("}}", open + 2);
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("a \"{{\" without its \"}}\" at offset ", open));
    }
    out.append(text.data() + i, open - i);
    absl::StatusOr<std::string> value = visit(
        absl::StripAsciiWhitespace(text.substr(open + 2, close - open - 2)));
    if (!value.ok()) return value.status();
    out += *value;
    i = close + 2;
  }
  return out;
}

absl::Status CheckName(absl::string_view name) {
  if (name == "tenant") return absl::OkStatus();
  if (absl::StartsWith(name, "args.") &&
      ValidateArgumentName(name.substr(5)).ok()) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown placeholder {{", name, "}}; use {{args.NAME}} or {{tenant}}"));
}

// The value as plain text: strings as they are, numbers and money in
// canonical decimal form.
absl::StatusOr<std::string> PlainText(const policy::Value& value) {
  if (const auto* s = std::get_if<std::string>(&value.v)) return *s;
  if (const auto* i = std::get_if<int64_t>(&value.v)) return absl::StrCat(*i);
  if (const auto* b = std::get_if<bool>(&value.v)) {
    return std::string(*b ? "true" : "false");
  }
  if (const auto* m = std::get_if<policy::Money>(&value.v)) {
    return m->amount.ToString();
  }
  return absl::FailedPreconditionError(
      "a list cannot stand in a URL or a header");
}

// A JSON string literal, written by protobuf's JSON printer.
std::string JsonString(absl::string_view text) {
  google::protobuf::Value json;
  json.set_string_value(std::string(text));
  std::string out;
  // Printing a string Value cannot fail.
  (void)google::protobuf::util::MessageToJsonString(json, &out);
  return out;
}

// The value as a JSON literal. Built by hand from protobuf-printed scalars
// so that money's two fields keep their order (a protobuf Struct's would
// not); the JSON itself is never parsed here.
std::string JsonLiteral(const policy::Value& value) {
  if (const auto* s = std::get_if<std::string>(&value.v)) return JsonString(*s);
  if (const auto* i = std::get_if<int64_t>(&value.v)) {
    // JSON numbers lose precision beyond 2^53: larger integers go as
    // strings, so no value changes on the way.
    if (*i > (int64_t{1} << 53) || *i < -(int64_t{1} << 53)) {
      return JsonString(absl::StrCat(*i));
    }
    return absl::StrCat(*i);
  }
  if (const auto* b = std::get_if<bool>(&value.v)) return *b ? "true" : "false";
  if (const auto* m = std::get_if<policy::Money>(&value.v)) {
    return absl::StrCat("{\"amount\":", JsonString(m->amount.ToString()),
                        ",\"currency\":", JsonString(m->currency), "}");
  }
  std::string out = "[";
  const auto& list = std::get<policy::Value::List>(value.v);
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out += ",";
    out += JsonLiteral(list[i]);
  }
  return out + "]";
}

std::string PercentEncode(absl::string_view text) {
  std::unique_ptr<char, decltype(&curl_free)> escaped(
      curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size())),
      &curl_free);
  return escaped ? std::string(escaped.get()) : std::string();
}

}  // namespace

absl::Status CheckPlaceholders(absl::string_view text) {
  return Expand(text,
                [](absl::string_view name) -> absl::StatusOr<std::string> {
                  absl::Status s = CheckName(name);
                  if (!s.ok()) return s;
                  return std::string();
                })
      .status();
}

absl::StatusOr<std::vector<SecretReference>> FindSecretReferences(
    absl::string_view text) {
  std::vector<SecretReference> out;
  size_t at = 0;
  while ((at = text.find(kVault, at)) != absl::string_view::npos) {
    size_t start = at + kVault.size();
    size_t slash = text.find('/', start);
    if (slash == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          "a secret reference is vault://TENANT/NAME");
    }
    size_t end = slash + 1;
    while (end < text.size() &&
           (absl::ascii_isalnum(text[end]) || text[end] == '_' ||
            text[end] == '.' || text[end] == '-')) {
      ++end;
    }
    SecretReference ref{std::string(text.substr(start, slash - start)),
                        std::string(text.substr(slash + 1, end - slash - 1))};
    if (ref.name.empty() ||
        (ref.tenant != "{{tenant}}" && !ValidateTenantId(ref.tenant).ok())) {
      return absl::InvalidArgumentError(
          absl::StrCat("secret reference vault://", ref.tenant, "/", ref.name,
                       " is not vault://TENANT/NAME"));
    }
    out.push_back(std::move(ref));
    at = end;
  }
  return out;
}

absl::StatusOr<std::string> Render(absl::string_view text,
                                   const policy::Action& action,
                                   Escaping escaping) {
  return Expand(
      text, [&](absl::string_view name) -> absl::StatusOr<std::string> {
        if (absl::Status s = CheckName(name); !s.ok()) return s;
        if (name == "tenant") return action.tenant;
        std::string arg(name.substr(5));
        auto it = action.arguments.find(arg);
        if (it == action.arguments.end()) {
          return absl::FailedPreconditionError(
              absl::StrCat("the connector needs argument ", arg,
                           ", which the action does not carry"));
        }
        if (escaping == Escaping::kJson) return JsonLiteral(it->second);
        absl::StatusOr<std::string> plain = PlainText(it->second);
        if (!plain.ok()) return plain.status();
        if (escaping == Escaping::kPercent) return PercentEncode(*plain);
        for (char c : *plain) {
          if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            return absl::FailedPreconditionError(
                absl::StrCat("argument ", arg,
                             " holds a control character and cannot go in a "
                             "header"));
          }
        }
        return *plain;
      });
}

}  // namespace portcullis::connectors
