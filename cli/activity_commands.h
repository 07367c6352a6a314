// `portcullis activity tail`: follows a running gate's activity stream
// (Admin.TailActivity; issue 18) and writes each event as a JSON line or an
// RFC 5424 syslog message (cli/activity_format.h) to standard output, one
// per line, flushed as it arrives (for a shipper reading a pipe), or, with
// --syslog_address, straight to a loopback syslog collector over TCP with
// octet counting.
#ifndef PORTCULLIS_CLI_ACTIVITY_COMMANDS_H_
#define PORTCULLIS_CLI_ACTIVITY_COMMANDS_H_

#include <cstdint>
#include <string>

#include "cli/command.h"

namespace portcullis::cli {

struct ActivityTailArgs {
  std::string gate;
  std::string token;
  std::string tenant;          // empty: every tenant the caller may act for
  uint64_t from = 0;           // 0: only what is appended from now on
  std::string format;          // "json" (the default) or "syslog"
  uint64_t limit = 0;          // stop after this many events; 0: never
  std::string syslog_address;  // host:port; implies the syslog format
};

// Streams until --limit events were written (exit 0), or the gate ends the
// stream or cannot be reached (exit 2: it said why on stderr, with where to
// resume), or refuses the caller, or the collector goes away (exit 1).
int RunActivityTail(const ActivityTailArgs& args, CommandIo& io);

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_ACTIVITY_COMMANDS_H_
