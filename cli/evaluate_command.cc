#include "cli/evaluate_command.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/action_flags.h"
#include "cli/decision_text.h"
#include "cli/gate_client.h"

namespace portcullis::cli {
namespace {

constexpr absl::string_view kCommand = "evaluate";

absl::StatusOr<v1::Action> ActionFrom(const EvaluateArgs& args) {
  if (args.tenant.empty() || args.agent.empty() || args.tool.empty()) {
    return absl::InvalidArgumentError(
        "--tenant, --agent and --tool are required");
  }
  v1::Action action;
  action.set_tenant(args.tenant);
  action.set_agent(args.agent);
  action.set_tool(args.tool);
  action.set_idempotency_key(args.idempotency_key);
  if (absl::Status s = AddArguments(args.arguments, action); !s.ok()) return s;
  if (absl::Status s = SetContext(args.context, action); !s.ok()) return s;
  return action;
}

}  // namespace

int RunEvaluate(const EvaluateArgs& args, CommandIo& io) {
  absl::StatusOr<v1::Action> action = ActionFrom(args);
  if (!action.ok()) {
    return Complain(io, kCommand, action.status().message(), kExitUsage);
  }
  GateClient client(args.gate.empty() ? kDefaultGateAddress : args.gate,
                    args.token);
  v1::EvaluateRequest request;
  *request.mutable_action() = *std::move(action);
  v1::EvaluateResponse response;
  absl::Status s = client.Check(
      client.gate().Evaluate(client.Context().get(), request, &response));
  if (!s.ok()) return GateRefused(io, kCommand, s);
  if (!args.json) {
    PrintDecision(response.decision(), io.out);
    return kExitOk;
  }
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string json;
  auto printed =
      google::protobuf::util::MessageToJsonString(response, &json, options);
  if (!printed.ok()) {
    return Complain(io, kCommand, std::string(printed.message()), kExitFailed);
  }
  io.out << json << (absl::EndsWith(json, "\n") ? "" : "\n");
  return kExitOk;
}

}  // namespace portcullis::cli
