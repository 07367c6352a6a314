// Logger writes one line per event to a stream (stderr in the daemon), as
// text — "2026-11-21T22:11:00.123Z INFO message tenant=t1" — or, with
// log.format "json", as one JSON object per line printed by protobuf's JSON
// printer from portcullis.config.v1.LogLine. Messages are written by
// Portcullis code for operators and never carry secrets, tokens, argument
// values or payloads. Thread-safe.
#ifndef PORTCULLIS_DAEMON_LOGGER_H_
#define PORTCULLIS_DAEMON_LOGGER_H_

#include <atomic>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"

namespace portcullis::daemon {

enum class LogFormat { kText, kJson };

// "" and "text" are kText, "json" kJson; InvalidArgument for anything else.
absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view name);

// What an event concerns, where it concerns one call, tenant or decision.
// Empty fields are left out.
struct LogContext {
  absl::string_view request_id;
  absl::string_view tenant;
  absl::string_view decision_id;
};

class Logger {
 public:
  // `clock` and `out` must outlive the Logger.
  Logger(const Clock& clock, std::ostream& out,
         LogFormat format = LogFormat::kText)
      : clock_(clock), out_(out), format_(format) {}

  // Lines written afterwards take `format` (the daemon learns it from its
  // configuration after it has logged why that could not be read).
  void SetFormat(LogFormat format) { format_.store(format); }

  void Info(absl::string_view message, const LogContext& context = {}) {
    Write("INFO", message, context);
  }
  void Warn(absl::string_view message, const LogContext& context = {}) {
    Write("WARN", message, context);
  }
  void Error(absl::string_view message, const LogContext& context = {}) {
    Write("ERROR", message, context);
  }

 private:
  void Write(absl::string_view level, absl::string_view message,
             const LogContext& context);
  std::string TextLine(absl::string_view time, absl::string_view level,
                       absl::string_view message,
                       const LogContext& context) const;
  std::string JsonLine(absl::string_view time, absl::string_view level,
                       absl::string_view message,
                       const LogContext& context) const;

  const Clock& clock_;
  absl::Mutex mu_;
  std::ostream& out_ ABSL_GUARDED_BY(mu_);
  std::atomic<LogFormat> format_;
};

}  // namespace portcullis::daemon

#endif  // PORTCULLIS_DAEMON_LOGGER_H_
