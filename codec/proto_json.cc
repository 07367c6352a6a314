#include "codec/proto_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/type.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver_util.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace portcullis::codec {
namespace {

constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

std::string TypeUrl(const google::protobuf::Message& message) {
  return absl::StrCat(kTypeUrlPrefix, "/",
                      message.GetDescriptor()->full_name());
}

}  // namespace

// A TypeResolver that asks the generated pool once per type and hands out
// copies afterwards. Thread-safe.
class ProtoJson::CachedTypes final
    : public google::protobuf::util::TypeResolver {
 public:
  CachedTypes()
      : pool_(google::protobuf::util::NewTypeResolverForDescriptorPool(
            kTypeUrlPrefix,
            google::protobuf::DescriptorPool::generated_pool())) {}

  google::protobuf::util::Status ResolveMessageType(
      const std::string& type_url, google::protobuf::Type* type) override {
    return Resolve(type_url, type,
                   &google::protobuf::util::TypeResolver::ResolveMessageType);
  }

  google::protobuf::util::Status ResolveEnumType(
      const std::string& type_url, google::protobuf::Enum* enum_type) override {
    return Resolve(type_url, enum_type,
                   &google::protobuf::util::TypeResolver::ResolveEnumType);
  }

 private:
  struct Caches {
    absl::flat_hash_map<std::string, google::protobuf::Type> types;
    absl::flat_hash_map<std::string, google::protobuf::Enum> enums;
  };
  static auto& Select(Caches& caches, const google::protobuf::Type*) {
    return caches.types;
  }
  static auto& Select(Caches& caches, const google::protobuf::Enum*) {
    return caches.enums;
  }

  template <typename T, typename Method>
  google::protobuf::util::Status Resolve(const std::string& type_url, T* out,
                                         Method method) {
    {
      absl::ReaderMutexLock lock(&mu_);
      auto& cache = Select(caches_, out);
      auto it = cache.find(type_url);
      if (it != cache.end()) {
        *out = it->second;
        return google::protobuf::util::Status();
      }
    }
    T resolved;
    google::protobuf::util::Status s =
        (pool_.get()->*method)(type_url, &resolved);
    if (!s.ok()) return s;
    absl::MutexLock lock(&mu_);
    *out = Select(caches_, out)
               .try_emplace(type_url, std::move(resolved))
               .first->second;
    return s;
  }

  const std::unique_ptr<google::protobuf::util::TypeResolver> pool_;
  absl::Mutex mu_;
  Caches caches_ ABSL_GUARDED_BY(mu_);
};

ProtoJson::ProtoJson() : types_(std::make_unique<CachedTypes>()) {}
ProtoJson::~ProtoJson() = default;

absl::Status ProtoJson::Parse(absl::string_view json,
                              google::protobuf::Message* message) const {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  std::string binary;
  auto status = google::protobuf::util::JsonToBinaryString(
      types_.get(), TypeUrl(*message),
      google::protobuf::StringPiece(json.data(), json.size()), &binary,
      options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(std::string(status.message()));
  }
  if (!message->ParseFromString(binary)) {
    return absl::InvalidArgumentError("the JSON does not fit the message");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ProtoJson::Print(
    const google::protobuf::Message& message) const {
  // Serialize deterministically (map entries sorted by key), then let
  // protobuf's JSON printer render the bytes in wire order.
  std::string binary;
  {
    google::protobuf::io::StringOutputStream stream(&binary);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  std::string json;
  auto status = google::protobuf::util::BinaryToJsonString(
      types_.get(), TypeUrl(message), binary, &json);
  if (!status.ok()) return absl::InternalError(std::string(status.message()));
  return json;
}

}  // namespace portcullis::codec
