// A CommandIo whose output and errors a test can read back.
#ifndef PORTCULLIS_TESTS_CLI_CAPTURED_H_
#define PORTCULLIS_TESTS_CLI_CAPTURED_H_

#include <sstream>

#include "cli/command.h"

namespace portcullis::cli {

struct Captured {
  std::ostringstream out, err;
  CommandIo io{out, err, /*err_is_terminal=*/false};
};

}  // namespace portcullis::cli

#endif  // PORTCULLIS_TESTS_CLI_CAPTURED_H_
