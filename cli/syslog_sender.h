// SyslogTcpSender sends syslog messages to a collector (rsyslog, syslog-ng,
// a SIEM's shipper) over TCP, each framed by octet counting (RFC 6587).
// Only a loopback collector is accepted: the stream is plain TCP, so it
// goes to a shipper on the same host (or pod), which forwards it onwards
// with TLS. Not thread-safe.
#ifndef PORTCULLIS_CLI_SYSLOG_SENDER_H_
#define PORTCULLIS_CLI_SYSLOG_SENDER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace portcullis::cli {

class SyslogTcpSender {
 public:
  // Connects to `address`, "host:port" or "[v6]:port", whose host must
  // resolve to a loopback address. InvalidArgument for a malformed or
  // non-loopback address, Unavailable when nothing accepts the connection.
  static absl::StatusOr<std::unique_ptr<SyslogTcpSender>> Connect(
      const std::string& address);

  ~SyslogTcpSender();
  SyslogTcpSender(const SyslogTcpSender&) = delete;
  SyslogTcpSender& operator=(const SyslogTcpSender&) = delete;

  // Sends one message (without a trailing newline), octet-counted.
  // Unavailable when the collector went away.
  absl::Status Send(absl::string_view message);

 private:
  SyslogTcpSender(int fd, std::string address)
      : fd_(fd), address_(std::move(address)) {}
  int fd_;
  std::string address_;
};

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_SYSLOG_SENDER_H_
