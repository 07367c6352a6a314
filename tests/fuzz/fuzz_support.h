// Shared by the libFuzzer targets in tests/fuzz: input decoding and a fixed
// signing key, so that seeds written by make_seeds carry signatures the
// targets accept and the fuzzer can explore the paths behind them.
#ifndef PORTCULLIS_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define PORTCULLIS_TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <google/protobuf/message.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/json_util.h>

#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "crypto/ed25519.h"

namespace portcullis::fuzz {

// The key whose signatures the seeds carry: Ed25519 from a fixed seed.
// Test material only; it guards nothing.
inline const crypto::SigningKey& FixedKey() {
  static const crypto::SigningKey* key = [] {
    auto k = crypto::SigningKey::FromSeed(std::string(32, '\x42'));
    if (!k.ok()) std::abort();
    return new crypto::SigningKey(*std::move(k));
  }();
  return *key;
}

// protobuf logs every invalid UTF-8 string it refuses: too loud here.
inline void Quiet() {
  static const bool quiet = (google::protobuf::SetLogHandler(nullptr), true);
  (void)quiet;
}

// Decodes a request the way a client can send it: input starting with '{'
// is protobuf JSON (the HTTP API, the CLI's files), anything else the
// binary wire form (gRPC). False when it does not parse.
inline bool ParseRequest(absl::string_view input,
                         google::protobuf::Message* out) {
  Quiet();
  if (!input.empty() && input.front() == '{') {
    return google::protobuf::util::JsonStringToMessage(std::string(input), out)
        .ok();
  }
  return out->ParseFromArray(input.data(), static_cast<int>(input.size()));
}

// Aborts (a crash libFuzzer reports and saves) when `ok` is false: the
// targets' invariants.
inline void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace portcullis::fuzz

#endif  // PORTCULLIS_TESTS_FUZZ_FUZZ_SUPPORT_H_
