// Loads the gate's configuration file — YAML (.yaml, .yml) or JSON (.json)
// — onto the portcullis.config.v1.GateConfig schema, applies defaults and
// resolves relative paths against the file's directory. Unknown fields are
// errors, so a typo cannot silently fall back to a default.
// Pure apart from reading the file; thread-safe.
#ifndef PORTCULLIS_CONFIG_CONFIG_LOADER_H_
#define PORTCULLIS_CONFIG_CONFIG_LOADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "portcullis/config/v1/config.pb.h"

namespace portcullis::config {

inline constexpr char kDefaultTcpAddress[] = "127.0.0.1:7575";
inline constexpr char kDefaultDataDir[] = "data";
inline constexpr uint32_t kDefaultMaxRequestBytes = 1 << 20;

// Reads and parses `path`. Returns NotFound when it cannot be read and
// InvalidArgument (naming the file and the problem) when it does not parse
// or a field has a wrong type, an unknown name or an invalid value.
absl::StatusOr<config::v1::GateConfig> LoadConfigFile(const std::string& path);

// Parses configuration text. `format` is "yaml" or "json"; `base_dir`
// resolves relative paths. Applies defaults.
absl::StatusOr<config::v1::GateConfig> ParseConfig(absl::string_view text,
                                                   absl::string_view format,
                                                   const std::string& base_dir);

// Maps YAML or JSON text (`format` "yaml" or "json") onto `out` with
// protobuf's JSON parser; unknown fields are errors. InvalidArgument
// naming the problem otherwise.
absl::Status ParseStructuredText(absl::string_view text,
                                 absl::string_view format,
                                 google::protobuf::Message* out);

// The replica name the gate writes into its ledger entries: `replica`
// when set (ParseConfig has validated it); otherwise, with
// shared_state.redis set, `host_name` up to its first dot (in Kubernetes,
// the pod's name); otherwise empty, and entries name no replica. Returns
// InvalidArgument, asking for `replica`, when the host name is not a valid
// replica name. Pure: the daemon passes gethostname's answer.
absl::StatusOr<std::string> EffectiveReplicaName(
    const config::v1::GateConfig& config, absl::string_view host_name);

// "yaml" for .yaml/.yml, "json" for .json, "" otherwise.
std::string FormatOf(absl::string_view path);

// Reads a principals file ({"principals": [...]}, YAML or JSON by its
// extension). NotFound when it cannot be read, InvalidArgument when it does
// not parse.
absl::StatusOr<config::v1::PrincipalsFile> LoadPrincipalsFile(
    const std::string& path);

}  // namespace portcullis::config

#endif  // PORTCULLIS_CONFIG_CONFIG_LOADER_H_
