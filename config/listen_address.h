// Parsing and vetting of the TCP address the gate listens on. Portcullis
// binds to loopback unless configured otherwise, and a non-loopback address
// is refused until TLS is configured for it. Pure functions; thread-safe.
#ifndef PORTCULLIS_CONFIG_LISTEN_ADDRESS_H_
#define PORTCULLIS_CONFIG_LISTEN_ADDRESS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace portcullis::config {

struct ListenAddress {
  std::string host;  // without brackets: "127.0.0.1", "::1", "localhost"
  int port = 0;      // 0: pick a free port
  bool loopback = false;

  // "host:port" as gRPC expects it, with brackets around IPv6 hosts.
  std::string ToGrpcTarget() const;
};

// Parses "host:port" or "[v6]:port". Returns InvalidArgument naming the
// problem for anything else.
absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view address);

}  // namespace portcullis::config

#endif  // PORTCULLIS_CONFIG_LISTEN_ADDRESS_H_
