#include "base/identifiers.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace portcullis {
namespace {

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// Describes a rejected character without echoing raw control bytes into an
// error message or a log line.
std::string Describe(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return absl::StrCat("'", std::string(1, c), "'");
  return absl::StrCat("byte 0x", absl::Hex(u, absl::kZeroPad2));
}

// Shared shape of every rule: a length range, an alphabet and a first-char
// rule. Returns InvalidArgument with `what` and the first offending position.
template <typename Allowed, typename AllowedFirst>
absl::Status Check(absl::string_view what, absl::string_view value,
                   size_t max_length, Allowed allowed, AllowedFirst first,
                   absl::string_view alphabet) {
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is empty"));
  }
  if (value.size() > max_length) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " is ", value.size(), " bytes long; the limit is ", max_length));
  }
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (!allowed(c) || (i == 0 && !first(c))) {
      return absl::InvalidArgumentError(absl::StrCat(what, " has ", Describe(c),
                                                     " at position ", i,
                                                     "; allowed: ", alphabet));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateTenantId(absl::string_view id) {
  return Check(
      "tenant id", id, kMaxTenantIdLength,
      [](char c) { return IsLowerAlnum(c) || c == '-' || c == '_'; },
      IsLowerAlnum, "a-z 0-9 - _, starting with a-z or 0-9");
}

absl::Status ValidateToolName(absl::string_view name) {
  return Check(
      "tool name", name, kMaxToolNameLength,
      [](char c) {
        return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-';
      },
      [](char c) { return absl::ascii_isalpha(c); },
      "A-Z a-z 0-9 _ . -, starting with a letter");
}

absl::Status ValidateAgentId(absl::string_view id) {
  return Check(
      "agent id", id, kMaxAgentIdLength,
      [](char c) {
        return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == ':' ||
               c == '@' || c == '-';
      },
      [](char) { return true; }, "A-Z a-z 0-9 _ . : @ -");
}

absl::Status ValidateArgumentName(absl::string_view name) {
  return Check(
      "argument name", name, kMaxArgumentNameLength,
      [](char c) { return IsLowerAlnum(c) || c == '_'; },
      [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; },
      "a-z 0-9 _, starting with a-z or _");
}

absl::Status ValidateOpaqueId(absl::string_view field, absl::string_view id) {
  if (id.empty()) return absl::OkStatus();
  return Check(
      field, id, kMaxRequestIdLength,
      [](char c) { return c >= 0x21 && c < 0x7f; }, [](char) { return true; },
      "printable ASCII without spaces");
}

absl::Status ValidateDecisionId(absl::string_view id) {
  if (id.size() != kDecisionIdLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "decision id must be ", kDecisionIdLength,
        " lowercase hex characters, got ", id.size(), " characters"));
  }
  return Check(
      "decision id", id, kDecisionIdLength,
      [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); },
      [](char) { return true; }, "0-9 a-f");
}

absl::Status ValidateReplicaName(absl::string_view name) {
  return Check(
      "replica name", name, kMaxReplicaNameLength,
      [](char c) {
        return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-';
      },
      [](char c) { return absl::ascii_isalnum(c); },
      "A-Z a-z 0-9 _ . -, starting with a letter or digit");
}

}  // namespace portcullis
