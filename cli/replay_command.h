// `portcullis replay`: decides every action of a recording again against a
// candidate policy, offline (no server, no network), and reports each
// decision that would change (docs/replay.md).
#ifndef PORTCULLIS_CLI_REPLAY_COMMAND_H_
#define PORTCULLIS_CLI_REPLAY_COMMAND_H_

#include <string>

#include "cli/command.h"

namespace portcullis::cli {

struct ReplayArgs {
  std::string policy;  // the candidate: a file or directory; required
  std::string input;   // the recording; "-" for standard input; required
  std::string expect;  // optional: the expected changes (YAML or JSON)
  std::string junit;   // optional: where to write JUnit XML
  bool json = false;   // print a portcullis.replay.v1.ReplayReport as JSON
  // "jsonl" or "binpb"; empty: by the input's name (recording_reader.h).
  std::string input_format;
};

// Prints the report to io.out (text, or JSON with `json`) and a progress
// counter to io.err on a terminal. Exit 0 when no decision changed or every
// change is expected, 1 when some change is unexpected, 2 for bad input:
// missing flags, a policy that cannot be read or does not compile, a
// malformed expectation file or recording line (named by file and line),
// a recording out of time order, or a report that cannot be written.
int RunReplay(const ReplayArgs& args, CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_REPLAY_COMMAND_H_
