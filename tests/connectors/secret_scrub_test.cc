#include "connectors/secret_scrub.h"

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace portcullis::connectors {
namespace {

constexpr char kSecret[] = "sk_live_Ab+/9\"x\\Zq=42";

std::string Scrubbed(const std::string& text) {
  std::vector<crypto::SecureBytes> secrets;
  secrets.push_back(crypto::SecureBytes::CopyOf(kSecret));
  return ScrubSecrets(text, secrets);
}

// True when nothing of the secret of MinScrubbedFragment's length is left.
void ExpectGone(const std::string& form) {
  std::string out = Scrubbed("before " + form + " after");
  INFO(form << " -> " << out);
  CHECK(out.find("[redacted]") != std::string::npos);
  CHECK(out.find(form) == std::string::npos);
  CHECK(out.rfind("before ", 0) == 0);
  CHECK(out.find(" after") != std::string::npos);
}

TEST_CASE("a secret is scrubbed in every common encoding", "[scrub]") {
  const std::string s = kSecret;
  std::string b64 = absl::Base64Escape(s);
  std::string b64url = absl::WebSafeBase64Escape(s);
  std::string hex = absl::BytesToHexString(s);
  for (const std::string& form : {
           s,
           std::string("sk_live_Ab+/9\\\"x\\\\Zq=42"),  // JSON-escaped
           b64,
           b64.substr(0, b64.find('=')),
           b64url,
           b64url + "==",
           std::string("sk_live_Ab%2B%2F9%22x%5CZq%3D42"),
           std::string("sk_live_Ab%2b%2f9%22x%5cZq%3d42"),
           hex,
           absl::AsciiStrToUpper(hex),
       }) {
    ExpectGone(form);
  }
}

TEST_CASE("long fragments of a secret are scrubbed, short ones are not",
          "[scrub]") {
  const std::string s = kSecret;
  ExpectGone(s.substr(0, s.size() - 2));  // all but two characters
  ExpectGone(s.substr(2));
  ExpectGone(s.substr(3, MinScrubbedFragment(s.size())));
  // Shorter than the minimum: ordinary text that happens to share a few
  // characters stays.
  std::string short_piece = s.substr(0, MinScrubbedFragment(s.size()) - 1);
  CHECK(Scrubbed("id " + short_piece) == "id " + short_piece);
  CHECK(Scrubbed("{\"ok\":true}") == "{\"ok\":true}");
}

TEST_CASE("the fragment rule", "[scrub]") {
  CHECK(MinScrubbedFragment(5) == 5);    // short secrets: whole
  CHECK(MinScrubbedFragment(12) == 8);   // at least 8
  CHECK(MinScrubbedFragment(40) == 20);  // at least half
}

}  // namespace
}  // namespace portcullis::connectors
