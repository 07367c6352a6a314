#include "cli/command.h"

namespace portcullis::cli {

int Complain(CommandIo& io, absl::string_view command,
             absl::string_view message, int code) {
  io.err << "portcullis " << command << ": " << message << "\n";
  return code;
}

int GateRefused(CommandIo& io, absl::string_view command,
                const absl::Status& status) {
  return Complain(io, command, status.message(),
                  absl::IsUnavailable(status) ? kExitUsage : kExitFailed);
}

}  // namespace portcullis::cli
