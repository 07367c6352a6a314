// `portcullis policy init --from_mcp tools.json`: a policy skeleton from the
// tools an MCP server lists, for an author to finish. One `tool` block per
// tool with typed `arg` lines from its input schema; no rule allows
// anything, so every tool stays denied until the author decides; comments
// say what is left to decide (money, classes, what needs a person).
#ifndef PORTCULLIS_CLI_POLICY_INIT_H_
#define PORTCULLIS_CLI_POLICY_INIT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "cli/command.h"

namespace portcullis::cli {

struct PolicySkeletonOptions {
  std::string tenant = "my-shop";  // a valid tenant id
  std::string name = "mcp-tools";  // the policy's name
  absl::Time now;                  // dates the version: "YYYY-MM-DD.1"
};

// Writes the skeleton for `tools_json`: the result of an MCP `tools/list`
// ({"tools": [...]}) or the whole JSON-RPC response ({"result": {...}}).
// InvalidArgument when the JSON does not parse or lists no tools, or when
// the tenant id or name is not valid. A tool or argument the policy
// language cannot declare (a name it does not allow, an object-typed
// argument) is kept as a comment saying why, never dropped silently.
absl::StatusOr<std::string> PolicySkeletonFromMcp(
    absl::string_view tools_json, const PolicySkeletonOptions& options);

struct PolicyInitArgs {
  std::string from_mcp;  // the tools/list JSON file; required
  std::string tenant;    // default "my-shop"
  std::string name;      // default "mcp-tools"
  std::string out;       // a file to create; stdout when empty
};

// Exit 0 with the skeleton written, 2 when the input cannot be read or
// used, or `out` exists already (it is never overwritten).
int RunPolicyInit(const PolicyInitArgs& args, const Clock& clock,
                  CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_POLICY_INIT_H_
