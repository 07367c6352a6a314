// ConnectorSet holds the HTTP connectors of a gate's configuration and
// finds the one bound to a tenant's tool (a tenant's own binding first,
// then one for every tenant). Immutable after Create; thread-safe.
#ifndef PORTCULLIS_CONNECTORS_CONNECTOR_SET_H_
#define PORTCULLIS_CONNECTORS_CONNECTOR_SET_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "connectors/http_connector.h"
#include "gate/tool_connector.h"
#include "portcullis/config/v1/config.pb.h"

namespace portcullis::connectors {

class ConnectorSet final : public gate::ToolConnectors {
 public:
  // Returns InvalidArgument for a malformed connector or two bound to the
  // same tenant and tool. `secrets` must outlive the set.
  static absl::StatusOr<std::unique_ptr<ConnectorSet>> Create(
      const config::v1::GateConfig& config,
      const secrets::SecretStore& secrets);

  const gate::ToolConnector* Find(absl::string_view tenant,
                                  absl::string_view tool) const override;

  size_t size() const { return by_key_.size(); }

  // The connectors' names (connectors[].name, or their tool), sorted, each
  // once: the connector label values of portcullis_executions_total.
  std::vector<std::string> Names() const;

  // The name `config` gives its connector: `name`, or else its tool.
  // InvalidArgument unless it is 1-64 of [A-Za-z0-9_.-] and neither "none"
  // nor "other" (the label values of executions without a connector and
  // of unknown ones).
  static absl::StatusOr<std::string> NameOf(
      const config::v1::ConnectorConfig& config);

 private:
  absl::flat_hash_map<std::pair<std::string, std::string>,
                      std::unique_ptr<HttpConnector>>
      by_key_;  // (tenant or "*", tool)
};

}  // namespace portcullis::connectors

#endif  // PORTCULLIS_CONNECTORS_CONNECTOR_SET_H_
