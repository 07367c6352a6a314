// `portcullis receipt verify`: what a downstream tool server runs before
// acting on an execution, offline.
#ifndef PORTCULLIS_CLI_RECEIPT_COMMANDS_H_
#define PORTCULLIS_CLI_RECEIPT_COMMANDS_H_

#include <string>

#include "cli/command.h"

namespace portcullis::cli {

struct ReceiptVerifyArgs {
  std::string receipt_file;  // a portcullis.v1.ExecutionReceipt in JSON
  std::string key_file;      // the gate's public key (gate.pub)
  std::string action_file;   // optional: the action about to run, in JSON
};

// Exit 0 when the gate's key signed the receipt (and, given an action, the
// receipt is for exactly that action), 1 when it did not, 2 for unreadable
// input.
int RunReceiptVerify(const ReceiptVerifyArgs& args, CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_RECEIPT_COMMANDS_H_
