#include "gate/action_digest.h"

#include <variant>

#include "base/canonical_encoding.h"

namespace portcullis::gate {
namespace {

constexpr absl::string_view kDomain("portcullis/action/v1\0", 21);

void EncodeValue(const policy::Value& value, CanonicalWriter& w) {
  std::visit(
      [&w](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          w.Byte('s');
          w.String(v);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          w.Byte('i');
          w.I64(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          w.Byte('b');
          w.Byte(v ? 1 : 0);
        } else if constexpr (std::is_same_v<T, policy::Money>) {
          w.Byte('m');
          w.String(v.currency);
          w.String(v.amount.ToString());
        } else {
          static_assert(std::is_same_v<T, policy::Value::List>);
          w.Byte('l');
          w.U32(static_cast<uint32_t>(v.size()));
          for (const policy::Value& item : v) EncodeValue(item, w);
        }
      },
      value.v);
}

}  // namespace

void EncodeArgumentValue(const policy::Value& value, CanonicalWriter& w) {
  EncodeValue(value, w);
}

std::string CanonicalActionEncoding(const policy::Action& action) {
  CanonicalWriter w;
  w.Fixed(kDomain);
  w.String(action.tenant);
  w.String(action.agent);
  w.String(action.tool);
  w.U32(static_cast<uint32_t>(action.arguments.size()));
  // std::map iterates in ascending byte order of the names.
  for (const auto& [name, value] : action.arguments) {
    w.String(name);
    EncodeValue(value, w);
  }
  w.String(action.idempotency_key);
  return w.Release();
}

crypto::Digest ActionDigest(const policy::Action& action) {
  return crypto::Blake2b256(CanonicalActionEncoding(action));
}

}  // namespace portcullis::gate
