#include "connectors/secret_scrub.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace portcullis::connectors {
namespace {

std::string JsonEscaped(absl::string_view s) {
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      absl::StrAppend(&out, "\\u", absl::Hex(u, absl::kZeroPad4));
    } else {
      out += c;
    }
  }
  return out;
}

std::string PercentEncoded(absl::string_view s, bool upper) {
  std::string out;
  for (char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out += c;
    } else {
      std::string hex = absl::BytesToHexString(absl::string_view(&c, 1));
      out += '%';
      out += upper ? absl::AsciiStrToUpper(hex) : hex;
    }
  }
  return out;
}

std::string WithoutPadding(std::string s) {
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

// Every form of `secret` to look for (see the header).
std::vector<crypto::SecureBytes> Needles(absl::string_view secret) {
  std::string hex = absl::BytesToHexString(secret);
  std::vector<std::string> forms = {
      std::string(secret),
      JsonEscaped(secret),
      PercentEncoded(secret, true),
      PercentEncoded(secret, false),
      hex,
      absl::AsciiStrToUpper(hex),
      WithoutPadding(absl::Base64Escape(secret)),
      WithoutPadding(absl::WebSafeBase64Escape(secret)),
  };
  std::vector<crypto::SecureBytes> needles;
  for (std::string& form : forms) {
    needles.push_back(crypto::SecureBytes::CopyOf(form));
    std::fill(form.begin(), form.end(), '\0');
  }
  return needles;
}

// Marks in `hidden` every run of `text` of at least MinScrubbedFragment
// bytes that also occurs in `needle`.
void MarkRuns(absl::string_view text, absl::string_view needle,
              std::vector<bool>& hidden) {
  const size_t min = MinScrubbedFragment(needle.size());
  if (needle.size() < min || text.size() < min) return;
  // Where each fragment of the minimum length starts in the needle.
  absl::flat_hash_map<absl::string_view, size_t> starts;
  for (size_t i = 0; i + min <= needle.size(); ++i) {
    starts.emplace(needle.substr(i, min), i);
  }
  for (size_t p = 0; p + min <= text.size();) {
    auto it = starts.find(text.substr(p, min));
    if (it == starts.end()) {
      ++p;
      continue;
    }
    size_t end = p + min;
    for (size_t i = it->second + min;
         i < needle.size() && end < text.size() && text[end] == needle[i];
         ++i) {
      ++end;
    }
    std::fill(hidden.begin() + p, hidden.begin() + end, true);
    p = end;
  }
}

}  // namespace

size_t MinScrubbedFragment(size_t length) {
  if (length < 8) return length;
  return std::max<size_t>(8, (length + 1) / 2);
}

std::string ScrubSecrets(std::string text,
                         const std::vector<crypto::SecureBytes>& secrets) {
  std::vector<bool> hidden(text.size(), false);
  for (const crypto::SecureBytes& secret : secrets) {
    if (secret.empty()) continue;
    for (const crypto::SecureBytes& needle : Needles(secret.view())) {
      MarkRuns(text, needle.view(), hidden);
    }
  }
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (!hidden[i]) {
      out += text[i++];
      continue;
    }
    while (i < text.size() && hidden[i]) ++i;
    out += kRedacted;
  }
  std::fill(text.begin(), text.end(), '\0');
  return out;
}

}  // namespace portcullis::connectors
