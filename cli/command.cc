#include "cli/command.h"

#include <google/protobuf/util/json_util.h>

#include <string>

namespace portcullis::cli {

int Complain(CommandIo& io, absl::string_view command,
             absl::string_view message, int code) {
  io.err << "portcullis " << command << ": " << message << "\n";
  return code;
}

int GateRefused(CommandIo& io, absl::string_view command,
                const absl::Status& status) {
  return Complain(io, command, status.message(),
                  absl::IsUnavailable(status) ? kExitUsage : kExitFailed);
}

int PrintJson(CommandIo& io, absl::string_view command,
              const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  auto printed =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!printed.ok()) {
    return Complain(io, command, std::string(printed.message()), kExitFailed);
  }
  io.out << json << "\n";
  return kExitOk;
}

void SetNumber(google::protobuf::Struct& s, const std::string& key,
               double value) {
  (*s.mutable_fields())[key].set_number_value(value);
}

void SetString(google::protobuf::Struct& s, const std::string& key,
               const std::string& value) {
  (*s.mutable_fields())[key].set_string_value(value);
}

void SetBool(google::protobuf::Struct& s, const std::string& key, bool value) {
  (*s.mutable_fields())[key].set_bool_value(value);
}

}  // namespace portcullis::cli
