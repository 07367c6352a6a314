// ProtoJson parses and prints messages in protobuf's JSON mapping, keeping
// the type descriptions protobuf's JSON converter asks for: protobuf 3.21
// rebuilds them from descriptors for every message it converts (keeping
// them makes a recording line parse about 10% faster; docs/performance.md,
// "Replay"). Printing is canonical: equal messages give equal bytes (fields
// in number order, map entries in key order).
//
// Thread-safe; one instance can serve a whole program.
#ifndef PORTCULLIS_CODEC_PROTO_JSON_H_
#define PORTCULLIS_CODEC_PROTO_JSON_H_

#include <google/protobuf/message.h>
#include <google/protobuf/util/type_resolver.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace portcullis::codec {

class ProtoJson {
 public:
  // Types come from the generated pool (every compiled-in message).
  ProtoJson();
  ~ProtoJson();
  ProtoJson(const ProtoJson&) = delete;
  ProtoJson& operator=(const ProtoJson&) = delete;

  // Replaces `message` with `json`. Unknown fields are errors. Returns
  // InvalidArgument with protobuf's message when `json` does not parse or
  // does not fit the message.
  absl::Status Parse(absl::string_view json,
                     google::protobuf::Message* message) const;

  // `message` as one line of JSON (lowerCamelCase names, fields at their
  // default left out, no newline). Fails only for messages protobuf cannot
  // print (Internal).
  absl::StatusOr<std::string> Print(
      const google::protobuf::Message& message) const;

 private:
  class CachedTypes;
  std::unique_ptr<CachedTypes> types_;
};

}  // namespace portcullis::codec

#endif  // PORTCULLIS_CODEC_PROTO_JSON_H_
