#include "server/status_codec.h"

#include <string>

#include "absl/strings/string_view.h"

namespace portcullis::server {
namespace {

bool ServerFailure(absl::StatusCode code) {
  return code == absl::StatusCode::kUnavailable ||
         code == absl::StatusCode::kDataLoss ||
         code == absl::StatusCode::kInternal ||
         code == absl::StatusCode::kUnknown;
}

// Where a path ends: whitespace, or punctuation that closes it in prose
// ("file: /x/y.log: ...", "'/x/y'").
bool EndsPath(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == ':' || c == '\'' ||
         c == '"' || c == ',' || c == ')' || c == ';';
}

// A '/' starts a path at the start of the text or after a separator, so
// "a/b" and "1/2" stay.
bool StartsPath(absl::string_view text, size_t i) {
  if (text[i] != '/') return false;
  if (i + 1 >= text.size() || EndsPath(text[i + 1])) return false;
  return i == 0 || EndsPath(text[i - 1]) || text[i - 1] == '(' ||
         text[i - 1] == '=';
}

// Each absolute path becomes "<path>", or with `keep_name` its last name.
std::string WithoutPaths(absl::string_view text, bool keep_name = false) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (!StartsPath(text, i)) {
      out.push_back(text[i++]);
      continue;
    }
    size_t start = i;
    while (i < text.size() && !EndsPath(text[i])) ++i;
    absl::string_view path = text.substr(start, i - start);
    size_t slash = path.find_last_of('/');
    absl::string_view name = path.substr(slash + 1);
    out += keep_name && !name.empty() ? std::string(name) : "<path>";
  }
  return out;
}

// Cuts `text` to kMaxStatusMessageBytes, never inside a UTF-8 sequence.
void Bound(std::string& text) {
  if (text.size() <= kMaxStatusMessageBytes) return;
  size_t end = kMaxStatusMessageBytes - 3;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  text.resize(end);
  text += "...";
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  std::string message = ServerFailure(status.code())
                            ? WithoutPaths(status.message())
                            : std::string(status.message());
  Bound(message);
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::move(message));
}

std::string OperatorMessage(const absl::Status& status) {
  if (status.ok()) return "";
  std::string message = WithoutPaths(status.message(), true);
  Bound(message);
  return message;
}

}  // namespace portcullis::server
