// `portcullis secrets ...`: the credentials connectors use, kept sealed by
// the gate. Values are read from standard input (without echo on a
// terminal) and never printed back.
#ifndef PORTCULLIS_CLI_SECRET_COMMANDS_H_
#define PORTCULLIS_CLI_SECRET_COMMANDS_H_

#include <istream>
#include <string>

#include "cli/command.h"

namespace portcullis::cli {

struct SecretArgs {
  std::string gate;
  std::string token;
  std::string tenant;
  std::string name;
  bool json = false;  // list: the ListSecretsResponse
};

// put / rotate: reads the value from `in` (one trailing newline removed).
// Exit 0; 1 when the gate refuses (exists, not found, ...); 2 for usage
// errors or an unreachable gate.
int RunSecretsPut(const SecretArgs& args, bool rotate, std::istream& in,
                  bool in_is_terminal, CommandIo& io);
int RunSecretsList(const SecretArgs& args, CommandIo& io);
int RunSecretsDelete(const SecretArgs& args, CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_SECRET_COMMANDS_H_
