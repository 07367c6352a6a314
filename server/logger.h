// Logger writes one line per event to a stream (stderr in the daemon):
// "2026-11-21T22:11:00.123Z INFO message". Messages are written by
// Portcullis code for operators and never carry secrets or argument
// values. Thread-safe.
#ifndef PORTCULLIS_SERVER_LOGGER_H_
#define PORTCULLIS_SERVER_LOGGER_H_

#include <ostream>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"

namespace portcullis::server {

class Logger {
 public:
  // `clock` and `out` must outlive the Logger.
  Logger(const Clock& clock, std::ostream& out) : clock_(clock), out_(out) {}

  void Info(absl::string_view message) { Write("INFO", message); }
  void Warn(absl::string_view message) { Write("WARN", message); }
  void Error(absl::string_view message) { Write("ERROR", message); }

 private:
  void Write(absl::string_view level, absl::string_view message);

  const Clock& clock_;
  absl::Mutex mu_;
  std::ostream& out_ ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_LOGGER_H_
