// Every `portcullis` subcommand: its name, usage and the flags it takes.
// main.cc answers `--help` from it and refuses a flag a command does not
// take; tests iterate it so a command added here is checked too.
#ifndef PORTCULLIS_CLI_COMMAND_TABLE_H_
#define PORTCULLIS_CLI_COMMAND_TABLE_H_

#include <string>
#include <vector>

namespace portcullis::cli {

struct CommandSpec {
  std::string name;      // the command words, e.g. "ledger prune"
  std::string group;     // the heading it is listed under
  std::string synopsis;  // what follows "portcullis NAME" in the usage
  std::string summary;   // what it does; may be empty
  std::vector<std::string> flags;  // the flags it takes, without dashes
  bool positional = false;         // takes words after its name
};

// In the order `portcullis --help` lists them.
const std::vector<CommandSpec>& Commands();

// The command `words` (the positional arguments) name: the longest name
// that is a prefix of them. nullptr when none is. A command that takes no
// positional words matches only exactly.
const CommandSpec* FindCommand(const std::vector<std::string>& words);

// "usage: portcullis NAME SYNOPSIS\n  SUMMARY\nflags: --a --b\n".
std::string CommandUsage(const CommandSpec& command);

// The list of every command (or, with a prefix such as "ledger", of those
// whose name starts with it), grouped, for `portcullis --help`.
std::string CommandList(const std::string& prefix = "");

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_COMMAND_TABLE_H_
