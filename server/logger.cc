#include "server/logger.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace portcullis::server {

void Logger::Write(absl::string_view level, absl::string_view message) {
  std::string line =
      absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", clock_.Now(),
                                    absl::UTCTimeZone()),
                   " ", level, " ", message, "\n");
  absl::MutexLock lock(&mu_);
  out_ << line << std::flush;
}

}  // namespace portcullis::server
