#include "gate/policy_loader.h"

#include <filesystem>

#include "base/canonical_encoding.h"
#include "crypto/hash.h"
#include "policy/compiler.h"

namespace portcullis::gate {
namespace {

constexpr absl::string_view kDomain("portcullis/policy/v1\0", 21);

}  // namespace

std::string PolicyContentHash(const PolicyText& text) {
  CanonicalWriter w;
  w.Fixed(kDomain);
  w.U32(static_cast<uint32_t>(text.files.size()));
  for (const policy::SourceFile& file : text.files) {
    w.String(std::filesystem::path(file.path).filename().string());
    w.String(file.content);
  }
  return crypto::ToHex(crypto::Blake2b256(w.bytes()));
}

absl::StatusOr<PolicyLoad> LoadPolicy(const PolicySource& source,
                                      absl::Time now) {
  absl::StatusOr<PolicyText> text = source.Read();
  if (!text.ok()) return text.status();
  return CompilePolicy(*text, now);
}

PolicyLoad CompilePolicy(const PolicyText& text, absl::Time now) {
  PolicyLoad load;
  load.content_hash = PolicyContentHash(text);
  load.source = text.description;
  policy::CompileResult compiled = policy::Compile(text.files);
  if (!compiled.errors.empty()) {
    for (const policy::Diagnostic& d : compiled.errors) {
      load.errors.push_back(d.ToString());
    }
    return load;
  }
  auto snapshot = std::make_shared<PolicySnapshot>();
  snapshot->version = compiled.policy->version();
  snapshot->program = std::move(compiled.policy);
  snapshot->content_hash = load.content_hash;
  snapshot->source = load.source;
  snapshot->files = text.files;
  snapshot->loaded_at = now;
  load.snapshot = std::move(snapshot);
  return load;
}

}  // namespace portcullis::gate
