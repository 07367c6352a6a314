// HttpConnector calls a tool over HTTP(S) on the gate's behalf (libcurl),
// with the request built from the action's arguments and credentials taken
// from the sealed secret store:
//
//   url:     https://api.example.com/orders/{{args.order_id}}/refunds
//   headers: Authorization: Bearer vault://al-noor/payments-key
//   body:    {"amount": {{args.amount}}, "reason": {{args.reason}}}
//
// Placeholders may appear in the URL's path and query (percent-encoded),
// in header values (verbatim; never CR or LF) and in the body (as JSON
// literals, so an argument cannot break out of its place). The host is
// fixed by configuration and must be on the allowlist; https is required
// except for loopback hosts; redirects are never followed; every call has a
// timeout; secret values are scrubbed from whatever comes back.
//
// Immutable after Create; thread-safe.
#ifndef PORTCULLIS_CONNECTORS_HTTP_CONNECTOR_H_
#define PORTCULLIS_CONNECTORS_HTTP_CONNECTOR_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gate/tool_connector.h"
#include "secrets/secret_store.h"

namespace portcullis::connectors {

struct HttpConnectorSpec {
  std::string tenant;  // a tenant id, or "*" for every tenant
  std::string tool;
  std::string name;  // for metrics and the monitor; empty: the tool
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  absl::Duration timeout = absl::Seconds(10);
  // The answer never reaches the agent: only its status (ToolResult's
  // content type and body stay empty, `withheld` is set).
  bool withhold_response = false;
};

class HttpConnector final : public gate::ToolConnector {
 public:
  // The most response body a call keeps.
  static constexpr size_t kMaxResponseBytes = 1 << 20;

  // Validates `spec`: the method, a URL whose scheme and host are fixed
  // (https, or http for a loopback host) and whose host is in
  // `allowed_hosts` ("host" or "host:port"), placeholders that name
  // arguments, secret references to the connector's own tenant. Returns
  // InvalidArgument naming the problem. `secrets` must outlive the
  // connector.
  static absl::StatusOr<std::unique_ptr<HttpConnector>> Create(
      HttpConnectorSpec spec, const std::vector<std::string>& allowed_hosts,
      const secrets::SecretStore& secrets);

  absl::StatusOr<gate::ToolResult> Call(
      const policy::Action& action) const override;

  absl::string_view name() const override {
    return spec_.name.empty() ? spec_.tool : spec_.name;
  }

  const HttpConnectorSpec& spec() const { return spec_; }

 private:
  HttpConnector(HttpConnectorSpec spec, std::string origin,
                const secrets::SecretStore& secrets)
      : spec_(std::move(spec)), origin_(std::move(origin)), secrets_(secrets) {}

  HttpConnectorSpec spec_;
  std::string origin_;  // scheme://host[:port], fixed
  const secrets::SecretStore& secrets_;
};

}  // namespace portcullis::connectors

#endif  // PORTCULLIS_CONNECTORS_HTTP_CONNECTOR_H_
