#include "shared_state/counter_keys.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "base/status_macros.h"

namespace portcullis::shared_state {
namespace {

// Names a refused byte without echoing control bytes into a message.
std::string Describe(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return absl::StrCat("'", std::string(1, c), "'");
  return absl::StrCat("byte 0x", absl::Hex(u, absl::kZeroPad2));
}

template <typename Allowed>
absl::Status CheckAlphabet(absl::string_view what, absl::string_view value,
                           size_t min_length, size_t max_length,
                           Allowed allowed, absl::string_view alphabet) {
  if (value.size() < min_length) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is empty"));
  }
  if (value.size() > max_length) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " is ", value.size(), " bytes long; the limit is ", max_length));
  }
  for (size_t i = 0; i < value.size(); ++i) {
    if (!allowed(value[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " has ", Describe(value[i]), " at position ", i,
                       "; allowed: ", alphabet));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateKeyPrefix(absl::string_view prefix) {
  return CheckAlphabet(
      "key prefix", prefix, 0, kMaxKeyPrefixLength,
      [](char c) {
        return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == ':' ||
               c == '-';
      },
      "A-Z a-z 0-9 _ . : -");
}

absl::Status ValidateCounter(absl::string_view counter) {
  return CheckAlphabet(
      "counter", counter, 1, kMaxCounterLength,
      [](char c) {
        return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == ':' ||
               c == '@' || c == '/' || c == '=' || c == '%' || c == '-';
      },
      "A-Z a-z 0-9 _ . : @ / = % -");
}

absl::Status ValidateBatchId(absl::string_view id) {
  return CheckAlphabet(
      "batch id", id, 1, kMaxBatchIdLength,
      [](char c) {
        return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == ':' ||
               c == '@' || c == '/' || c == '=' || c == '-';
      },
      "A-Z a-z 0-9 _ . : @ / = -");
}

absl::StatusOr<std::string> KeyOfGivenUpBatch(absl::string_view prefix,
                                              absl::string_view tenant,
                                              absl::string_view batch_id) {
  PORTCULLIS_RETURN_IF_ERROR(ValidateKeyPrefix(prefix));
  PORTCULLIS_RETURN_IF_ERROR(ValidateTenantId(tenant));
  PORTCULLIS_RETURN_IF_ERROR(ValidateBatchId(batch_id));
  return absl::StrCat(prefix, "{", tenant, "}:t:", batch_id);
}

absl::StatusOr<CounterKeys> KeysOfCounter(absl::string_view prefix,
                                          absl::string_view tenant,
                                          absl::string_view counter) {
  PORTCULLIS_RETURN_IF_ERROR(ValidateKeyPrefix(prefix));
  PORTCULLIS_RETURN_IF_ERROR(ValidateTenantId(tenant));
  PORTCULLIS_RETURN_IF_ERROR(ValidateCounter(counter));
  return CounterKeys{
      .events = absl::StrCat(prefix, "{", tenant, "}:c:", counter),
      .sum = absl::StrCat(prefix, "{", tenant, "}:s:", counter)};
}

}  // namespace portcullis::shared_state
