// `portcullis tokens ...`: bearer tokens for principals. The gate keeps only
// token hashes, in its configuration or in a principals file (JSON) that
// these commands maintain and the gate reloads when it changes.
#ifndef PORTCULLIS_CLI_TOKEN_COMMANDS_H_
#define PORTCULLIS_CLI_TOKEN_COMMANDS_H_

#include <string>
#include <vector>

#include "cli/command.h"

namespace portcullis::cli {

struct TokensCreateArgs {
  std::string principal;
  std::vector<std::string> roles;
  std::vector<std::string> tenants;
  std::vector<uint32_t> unix_uids;
  // When set, the principal (created or extended with the new hash) is
  // written to this file (mode 0600); otherwise a configuration snippet is
  // printed.
  std::string principals_file;
  // The agent ids the principal may speak as ('*': any); none: only its
  // own name.
  std::vector<std::string> agents;
};

// Prints a new token once, with its hash. Exit 0; 1 when the file cannot
// be updated or the principal exists with other roles or tenants; 2 for
// usage errors.
int RunTokensCreate(const TokensCreateArgs& args, CommandIo& io);

struct TokensRevokeArgs {
  std::string principals_file;
  std::string principal;
  std::string token_hash;  // "blake2b:..." as printed by create
};

// Removes a token hash (and the principal, once it has no token and no
// uid) from the principals file. Exit 0; 1 when there is no such token;
// 2 for usage errors.
int RunTokensRevoke(const TokensRevokeArgs& args, CommandIo& io);

// Lists the principals file: names, roles, tenants, uids and token hashes.
int RunTokensList(const std::string& principals_file, CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_TOKEN_COMMANDS_H_
