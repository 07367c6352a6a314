#include "daemon/logger.h"

#include <google/protobuf/stubs/common.h>
#include <google/protobuf/util/json_util.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "portcullis/config/v1/log_line.pb.h"

namespace portcullis::daemon {
namespace {

// Proto string fields must be UTF-8, and a message may quote bytes that are
// not (a file name, a caller's input): protobuf's own coercion replaces each
// invalid byte with '?', so the line still prints, in full, as JSON.
std::string ValidUtf8(absl::string_view text) {
  if (google::protobuf::internal::IsStructurallyValidUTF8(
          text.data(), static_cast<int>(text.size()))) {
    return std::string(text);
  }
  std::string out(text.size(), '?');
  const char* coerced =
      google::protobuf::internal::UTF8CoerceToStructurallyValid(
          google::protobuf::StringPiece(text.data(), text.size()), out.data(),
          '?');
  if (coerced != out.data()) out.assign(text.data(), text.size());
  return out;
}

}  // namespace

absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view name) {
  if (name.empty() || name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError(absl::StrCat(
      "log.format \"", name, "\" is not one of \"text\" and \"json\""));
}

void Logger::Write(absl::string_view level, absl::string_view message,
                   const LogContext& context) {
  std::string time = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", clock_.Now(),
                                      absl::UTCTimeZone());
  std::string line = format_.load() == LogFormat::kJson
                         ? JsonLine(time, level, message, context)
                         : TextLine(time, level, message, context);
  absl::MutexLock lock(&mu_);
  out_ << line << std::flush;
}

std::string Logger::TextLine(absl::string_view time, absl::string_view level,
                             absl::string_view message,
                             const LogContext& context) const {
  std::string line = absl::StrCat(time, " ", level, " ", message);
  auto field = [&line](absl::string_view name, absl::string_view value) {
    if (!value.empty()) absl::StrAppend(&line, " ", name, "=", value);
  };
  field("request_id", context.request_id);
  field("tenant", context.tenant);
  field("decision_id", context.decision_id);
  line.push_back('\n');
  return line;
}

std::string Logger::JsonLine(absl::string_view time, absl::string_view level,
                             absl::string_view message,
                             const LogContext& context) const {
  config::v1::LogLine record;
  record.set_time(std::string(time));
  record.set_level(std::string(level));
  record.set_msg(ValidUtf8(message));
  record.set_request_id(ValidUtf8(context.request_id));
  record.set_tenant(ValidUtf8(context.tenant));
  record.set_decision_id(ValidUtf8(context.decision_id));
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(record, &json, options)
           .ok()) {
    // Not expected for these fields; still one parseable line, and the
    // event is not lost.
    record.set_msg("(log message could not be printed as JSON)");
    json.clear();
    (void)google::protobuf::util::MessageToJsonString(record, &json, options);
  }
  json.push_back('\n');
  return json;
}

}  // namespace portcullis::daemon
