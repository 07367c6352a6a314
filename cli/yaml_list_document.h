// Reads the files people write for `portcullis replay --expect` and
// `portcullis policy test`: a YAML (or JSON, which YAML contains) document
// whose top level is a map holding one list of items. The items are handed
// out one by one as JSON, with the line each starts on, so that protobuf's
// JSON parser maps them onto messages and errors can name the line. Pure;
// thread-safe.
#ifndef PORTCULLIS_CLI_YAML_LIST_DOCUMENT_H_
#define PORTCULLIS_CLI_YAML_LIST_DOCUMENT_H_

#include <google/protobuf/message.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace portcullis::cli {

struct YamlListDocument {
  // The top-level map without the list, as JSON.
  std::string header_json;
  struct Item {
    int line = 0;  // 1-based
    std::string json;
  };
  // The list's elements, in order.
  std::vector<Item> items;
};

// Splits `text`. Plain scalars "true"/"false" become booleans and
// "null"/"~" nulls; every other scalar becomes a string, which protobuf's
// JSON parser accepts for numbers and enums too. A missing or null list is
// empty. Returns InvalidArgument ("line 3, column 7: ...") for YAML that
// does not parse, a top level that is not a map, or a `list_key` that is
// not a list.
absl::StatusOr<YamlListDocument> SplitYamlList(absl::string_view text,
                                               absl::string_view list_key);

// Maps JSON from a YamlListDocument onto `message`; unknown fields are
// errors. Returns InvalidArgument with protobuf's message.
absl::Status JsonToMessage(absl::string_view json,
                           google::protobuf::Message* message);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_YAML_LIST_DOCUMENT_H_
