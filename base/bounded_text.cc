#include "base/bounded_text.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace portcullis {

std::string BoundedQuote(absl::string_view text) {
  const bool cut = text.size() > kMaxEchoedBytes;
  // CHexEscape escapes every byte outside printable ASCII, so what it
  // returns is plain ASCII whatever the input.
  std::string out = absl::StrCat(
      "\"", absl::CHexEscape(text.substr(0, kMaxEchoedBytes)), "\"");
  if (cut) absl::StrAppend(&out, "... (", text.size(), " bytes)");
  return out;
}

}  // namespace portcullis
