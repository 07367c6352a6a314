// The CLI's connection to a running gate: a gRPC channel to "host:port" or
// "unix:/path", a bearer token for every call (over the Unix socket the
// caller's uid may identify it instead), and a deadline for each call. Not
// thread-safe (one command at a time).
#ifndef PORTCULLIS_CLI_GATE_CLIENT_H_
#define PORTCULLIS_CLI_GATE_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "portcullis/v1/admin.grpc.pb.h"
#include "portcullis/v1/gate.grpc.pb.h"

namespace portcullis::cli {

inline constexpr char kDefaultGateAddress[] = "127.0.0.1:7575";

// The data directory whose socket the CLI looks for when --data is not set.
inline constexpr char kDefaultDataDir[] = "./data";

// The gate to call: `flag` when set; else the Unix socket of the data
// directory (`data_dir`, or ./data when empty) when a socket is there, as
// after scripts/start.sh; else kDefaultGateAddress. Reads the file system.
std::string GateAddress(const std::string& flag, const std::string& data_dir);

// The environment variable that holds the CLI's bearer token.
inline constexpr char kTokenEnvironment[] = "PORTCULLIS_TOKEN";

// The token to use: `flag` when set, else $PORTCULLIS_TOKEN, else empty.
std::string TokenFrom(const std::string& flag);

class GateClient {
 public:
  // `token` may be empty. Never logged or printed.
  GateClient(const std::string& address, std::string token,
             absl::Duration timeout = absl::Seconds(10));

  v1::Gate::Stub& gate() { return *gate_; }
  v1::Admin::Stub& admin() { return *admin_; }

  // A context with this client's deadline, for one call.
  std::unique_ptr<grpc::ClientContext> Context() const;

  // The gRPC status as an absl::Status, with the address in the message
  // when the gate cannot be reached.
  absl::Status Check(const grpc::Status& status) const;

 private:
  std::string address_;
  std::string token_;
  absl::Duration timeout_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Gate::Stub> gate_;
  std::unique_ptr<v1::Admin::Stub> admin_;
};

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_GATE_CLIENT_H_
