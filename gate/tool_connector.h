// ToolConnector is how the gate itself calls a tool on Execute, holding the
// credentials the tool needs so the agent never sees them. server/ binds
// tools to HTTP connectors from configuration; the gate core only sees this
// interface. Implementations must be thread-safe.
#ifndef PORTCULLIS_GATE_TOOL_CONNECTOR_H_
#define PORTCULLIS_GATE_TOOL_CONNECTOR_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "policy/action.h"

namespace portcullis::gate {

// What the tool answered, with every secret value scrubbed out.
struct ToolResult {
  int http_status = 0;
  std::string content_type;
  std::string body;
  bool withheld = false;  // the connector keeps the answer from the agent
};

// What happened when the gate called a tool on Execute.
struct ToolCall {
  bool called = false;  // false: the tool has no connector
  absl::StatusOr<ToolResult> result = absl::UnknownError("not called");
  // When called: the connector's name (ToolConnector::name) and when it
  // answered, on the gate's clock.
  std::string connector;
  absl::Time answered_at;
};

class ToolConnector {
 public:
  virtual ~ToolConnector() = default;

  // Calls the tool for `action`. Returns its answer (any HTTP status), or
  // an error when it could not be called or answered unacceptably
  // (DeadlineExceeded on a timeout, Unavailable when unreachable,
  // FailedPrecondition for a refused redirect). Messages never hold secret
  // values.
  virtual absl::StatusOr<ToolResult> Call(
      const policy::Action& action) const = 0;

  // The name the configuration gives the connector, for metrics and the
  // monitor (never a secret, a tenant or an argument).
  virtual absl::string_view name() const = 0;
};

// The connectors configured for a gate, by tenant and tool.
class ToolConnectors {
 public:
  virtual ~ToolConnectors() = default;

  // The connector for `tool` of `tenant`, or null when the tool has none
  // (Execute then only returns the receipt).
  virtual const ToolConnector* Find(absl::string_view tenant,
                                    absl::string_view tool) const = 0;
};

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_TOOL_CONNECTOR_H_
