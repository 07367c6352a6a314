#include "connectors/connector_set.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "codec/time_codec.h"

namespace portcullis::connectors {

absl::StatusOr<std::unique_ptr<ConnectorSet>> ConnectorSet::Create(
    const config::v1::GateConfig& config, const secrets::SecretStore& secrets) {
  auto set = std::make_unique<ConnectorSet>();
  std::vector<std::string> hosts(config.connector_hosts().begin(),
                                 config.connector_hosts().end());
  for (const config::v1::ConnectorConfig& c : config.connectors()) {
    HttpConnectorSpec spec;
    spec.tenant = c.tenant();
    spec.tool = c.tool();
    PORTCULLIS_ASSIGN_OR_RETURN(spec.name, NameOf(c));
    if (!c.method().empty()) spec.method = c.method();
    spec.url = c.url();
    for (const auto& [name, value] : c.headers()) {
      spec.headers.emplace_back(name, value);
    }
    std::sort(spec.headers.begin(), spec.headers.end());
    spec.body = c.body();
    if (c.has_timeout()) spec.timeout = codec::DurationFromProto(c.timeout());
    spec.withhold_response = c.withhold_response();
    auto connector = HttpConnector::Create(std::move(spec), hosts, secrets);
    if (!connector.ok()) return connector.status();
    auto key = std::make_pair(c.tenant(), c.tool());
    if (!set->by_key_.emplace(key, *std::move(connector)).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "two connectors are bound to tool ", c.tool(), " of ", c.tenant()));
    }
  }
  return set;
}

absl::StatusOr<std::string> ConnectorSet::NameOf(
    const config::v1::ConnectorConfig& config) {
  const std::string& name =
      config.name().empty() ? config.tool() : config.name();
  bool plain = !name.empty() && name.size() <= 64 &&
               std::all_of(name.begin(), name.end(), [](char c) {
                 return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                        c == '_' || c == '.' || c == '-';
               });
  if (!plain || name == "none" || name == "other") {
    return absl::InvalidArgumentError(absl::StrCat(
        "connector of tool ", config.tool().substr(0, 64),
        ": its name must be 1-64 of [A-Za-z0-9_.-] and neither \"none\" nor "
        "\"other\" (set connectors[].name)"));
  }
  return name;
}

std::vector<std::string> ConnectorSet::Names() const {
  std::set<std::string> names;
  for (const auto& [key, connector] : by_key_) {
    names.insert(std::string(connector->name()));
  }
  return {names.begin(), names.end()};
}

const gate::ToolConnector* ConnectorSet::Find(absl::string_view tenant,
                                              absl::string_view tool) const {
  auto own =
      by_key_.find(std::make_pair(std::string(tenant), std::string(tool)));
  if (own != by_key_.end()) return own->second.get();
  auto any = by_key_.find(std::make_pair(std::string("*"), std::string(tool)));
  return any == by_key_.end() ? nullptr : any->second.get();
}

}  // namespace portcullis::connectors
