// `portcullis keys ...`: key files for approvers and for the gate.
#ifndef PORTCULLIS_CLI_KEYS_COMMANDS_H_
#define PORTCULLIS_CLI_KEYS_COMMANDS_H_

#include <string>

#include "cli/command.h"

namespace portcullis::cli {

struct KeysGenerateArgs {
  std::string out;  // path prefix: writes <out>.key (0600) and <out>.pub
};

// Generates an Ed25519 key pair and prints the public key (base64), its key
// id and the file names. Exit 0, 1 when a file exists or cannot be written
// (keys are never overwritten), 2 without --out.
int RunKeysGenerate(const KeysGenerateArgs& args, CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_KEYS_COMMANDS_H_
