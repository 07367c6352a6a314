#include "cli/yaml_list_document.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <yaml-cpp/yaml.h>

#include "absl/strings/str_cat.h"

namespace portcullis::cli {
namespace {

using google::protobuf::Value;

constexpr int kMaxDepth = 32;

absl::Status ToValue(const YAML::Node& node, Value* out, int depth) {
  if (depth > kMaxDepth) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", node.Mark().line + 1, ": nested too deeply"));
  }
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out->set_null_value(google::protobuf::NULL_VALUE);
      return absl::OkStatus();
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (node.Tag() == "?") {  // plain (unquoted)
        if (s == "true" || s == "false") {
          out->set_bool_value(s == "true");
          return absl::OkStatus();
        }
        if (s == "null" || s == "~") {
          out->set_null_value(google::protobuf::NULL_VALUE);
          return absl::OkStatus();
        }
      }
      out->set_string_value(s);
      return absl::OkStatus();
    }
    case YAML::NodeType::Sequence:
      for (const YAML::Node& item : node) {
        absl::Status s =
            ToValue(item, out->mutable_list_value()->add_values(), depth + 1);
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    case YAML::NodeType::Map:
      out->mutable_struct_value();
      for (const auto& kv : node) {
        absl::Status s = ToValue(kv.second,
                                 &(*out->mutable_struct_value()
                                        ->mutable_fields())[kv.first.Scalar()],
                                 depth + 1);
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
  }
  return absl::InvalidArgumentError("unsupported YAML node");
}

absl::StatusOr<std::string> ToJson(const YAML::Node& node) {
  Value value;
  absl::Status s = ToValue(node, &value, 0);
  if (!s.ok()) return s;
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(value, &json);
  if (!status.ok()) {
    return absl::InvalidArgumentError(std::string(status.message()));
  }
  return json;
}

absl::StatusOr<YamlListDocument> Split(const YAML::Node& root,
                                       absl::string_view list_key) {
  YamlListDocument doc;
  if (root.IsNull()) {
    doc.header_json = "{}";
    return doc;
  }
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", root.Mark().line + 1, ": expected a map with \"",
                     list_key, "\""));
  }
  YAML::Node header(YAML::NodeType::Map);
  for (const auto& kv : root) {
    if (kv.first.Scalar() != list_key) {
      header[kv.first.Scalar()] = kv.second;
      continue;
    }
    if (kv.second.IsNull()) continue;
    if (!kv.second.IsSequence()) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", kv.second.Mark().line + 1, ": \"", list_key,
                       "\" must be a list"));
    }
    for (const YAML::Node& item : kv.second) {
      absl::StatusOr<std::string> json = ToJson(item);
      if (!json.ok()) return json.status();
      doc.items.push_back({item.Mark().line + 1, *std::move(json)});
    }
  }
  absl::StatusOr<std::string> json = ToJson(header);
  if (!json.ok()) return json.status();
  doc.header_json = *std::move(json);
  return doc;
}

}  // namespace

absl::StatusOr<YamlListDocument> SplitYamlList(absl::string_view text,
                                               absl::string_view list_key) {
  try {
    return Split(YAML::Load(std::string(text)), list_key);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line ", e.mark.line + 1, ", column ", e.mark.column + 1, ": ", e.msg));
  }
}

absl::Status JsonToMessage(absl::string_view json,
                           google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message,
      options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(std::string(status.message()));
  }
  return absl::OkStatus();
}

}  // namespace portcullis::cli
