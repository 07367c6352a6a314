#include "policy/internal/quote.h"

#include "absl/strings/str_cat.h"

namespace portcullis::policy::policy_internal {

std::string Quote(absl::string_view text, size_t max_bytes) {
  std::string out = "\"";
  absl::string_view shown = text.substr(0, max_bytes);
  for (char c : shown) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u >= 0x20 && u < 0x7f) {
      out.push_back(c);
    } else {
      absl::StrAppend(&out, "\\x", absl::Hex(u, absl::kZeroPad2));
    }
  }
  if (shown.size() < text.size()) out += "...";
  out += "\"";
  return out;
}

std::string DescribeByte(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return absl::StrCat("'", std::string(1, c), "'");
  return absl::StrCat("byte 0x", absl::Hex(u, absl::kZeroPad2));
}

}  // namespace portcullis::policy::policy_internal
