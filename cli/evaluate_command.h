// `portcullis evaluate`: proposes one action to a running gate, as an
// agent would (Gate.Evaluate), and prints the decision. The quick start's
// first step, without a gRPC tool.
#ifndef PORTCULLIS_CLI_EVALUATE_COMMAND_H_
#define PORTCULLIS_CLI_EVALUATE_COMMAND_H_

#include <string>
#include <vector>

#include "cli/command.h"

namespace portcullis::cli {

struct EvaluateArgs {
  std::string gate;
  std::string token;  // the agent's bearer token; may be empty (Unix uid)
  std::string tenant;
  std::string agent;
  std::string tool;
  std::vector<std::string> arguments;  // NAME=VALUE (cli/action_flags.h)
  std::vector<std::string> context;    // KEY=VALUE
  std::string idempotency_key;
  bool json = false;  // print the EvaluateResponse in proto JSON
};

// Prints the decision: outcome, reasons, deciding rules, approvals needed,
// decision id and ledger sequence (or, with `json`, the response as the
// API's JSON). A DENY is an answer, not a failure: exit 0 whenever the gate
// decided; 1 when it refused the call (an error status), 2 for usage
// errors or an unreachable gate.
int RunEvaluate(const EvaluateArgs& args, CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_EVALUATE_COMMAND_H_
