// libFuzzer target: the configuration loader. The first byte picks the
// format ('j': JSON, anything else: YAML), the rest is configuration text
// for ParseConfig and, as a principals file, for ParseStructuredText.
// Invariants: a refusal has a message; nothing is read from disk (the base
// directory does not exist).
#include <cstddef>
#include <cstdint>

#include "config/config_loader.h"
#include "portcullis/config/v1/config.pb.h"
#include "tests/fuzz/fuzz_support.h"

using portcullis::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  portcullis::fuzz::Quiet();
  if (size == 0) return 0;
  const absl::string_view format = data[0] == 'j' ? "json" : "yaml";
  absl::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

  auto config = portcullis::config::ParseConfig(text, format,
                                                "/nonexistent/portcullis-fuzz");
  if (!config.ok()) Check(!config.status().message().empty());

  portcullis::config::v1::PrincipalsFile principals;
  absl::Status s =
      portcullis::config::ParseStructuredText(text, format, &principals);
  if (!s.ok()) Check(!s.message().empty());
  return 0;
}
