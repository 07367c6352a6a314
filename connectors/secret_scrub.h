// Scrubbing secrets out of what a tool answered, before the agent sees it.
// A tool may echo a credential as sent, or re-encoded, or in part; each
// form below is replaced with "[redacted]":
//   - the secret as is, JSON-escaped, percent-encoded (upper- and
//     lower-case hex), hex (both cases), base64 and base64url (with or
//     without padding);
//   - any run of at least max(8, half its length) consecutive characters of
//     the secret or of one of those encodings (a secret shorter than 8 is
//     matched whole), so "all but two characters" is caught too.
// Pure; thread-safe. Cost grows with the text times the secret's length.
#ifndef PORTCULLIS_CONNECTORS_SECRET_SCRUB_H_
#define PORTCULLIS_CONNECTORS_SECRET_SCRUB_H_

#include <string>
#include <vector>

#include "crypto/secure_bytes.h"

namespace portcullis::connectors {

inline constexpr char kRedacted[] = "[redacted]";

// The shortest fragment of a needle of `length` bytes that is scrubbed.
size_t MinScrubbedFragment(size_t length);

// `text` with every form of every secret in `secrets` replaced by
// kRedacted. Empty secrets are ignored.
std::string ScrubSecrets(std::string text,
                         const std::vector<crypto::SecureBytes>& secrets);

}  // namespace portcullis::connectors

#endif  // PORTCULLIS_CONNECTORS_SECRET_SCRUB_H_
