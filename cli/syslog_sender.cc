#include "cli/syslog_sender.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/activity_format.h"

namespace portcullis::cli {
namespace {

struct HostPort {
  std::string host;
  std::string port;
};

absl::StatusOr<HostPort> Split(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--syslog_address \"", address, "\": expected host:port"));
  }
  HostPort hp{address.substr(0, colon), address.substr(colon + 1)};
  if (hp.host.size() >= 2 && hp.host.front() == '[' && hp.host.back() == ']') {
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  }
  uint32_t port = 0;
  if (!absl::SimpleAtoi(hp.port, &port) || port == 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--syslog_address \"", address, "\": the port must be 1-65535"));
  }
  return hp;
}

bool IsLoopback(const sockaddr* addr) {
  if (addr->sa_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  if (addr->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
  }
  return false;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SyslogTcpSender>> SyslogTcpSender::Connect(
    const std::string& address) {
  absl::StatusOr<HostPort> hp = Split(address);
  if (!hp.ok()) return hp.status();
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc =
          ::getaddrinfo(hp->host.c_str(), hp->port.c_str(), &hints, &found);
      rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--syslog_address \"", address,
                     "\": cannot resolve it: ", ::gai_strerror(rc)));
  }
  absl::Status last = absl::InvalidArgumentError(absl::StrCat(
      "--syslog_address \"", address,
      "\" is not a loopback address: send to a shipper on this host, which "
      "forwards with TLS (docs/operations.md, \"Activity stream for a "
      "SIEM\")"));
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    if (!IsLoopback(a->ai_addr)) continue;
    int s =
        ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (s < 0) continue;
    if (::connect(s, a->ai_addr, a->ai_addrlen) == 0) {
      fd = s;
      break;
    }
    last = absl::UnavailableError(
        absl::StrCat("cannot connect to the syslog collector at ", address,
                     ": ", std::strerror(errno)));
    ::close(s);
  }
  ::freeaddrinfo(found);
  if (fd < 0) return last;
  return std::unique_ptr<SyslogTcpSender>(new SyslogTcpSender(fd, address));
}

SyslogTcpSender::~SyslogTcpSender() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status SyslogTcpSender::Send(absl::string_view message) {
  std::string frame = OctetCounted(message);
  absl::string_view rest = frame;
  while (!rest.empty()) {
    ssize_t n = ::send(fd_, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::UnavailableError(
          absl::StrCat("the syslog collector at ", address_,
                       " went away: ", std::strerror(errno)));
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace portcullis::cli
