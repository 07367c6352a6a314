#include "cli/secret_commands.h"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "cli/gate_client.h"
#include "codec/time_codec.h"

namespace portcullis::cli {
namespace {

int Usage(CommandIo& io, absl::string_view command, absl::string_view what) {
  return Complain(io, absl::StrCat("secrets ", command), what, kExitUsage);
}

int Refused(CommandIo& io, absl::string_view command, const absl::Status& s) {
  return GateRefused(io, absl::StrCat("secrets ", command), s);
}

// Turns terminal echo off while it lives.
class NoEcho {
 public:
  explicit NoEcho(bool active)
      : active_(active && ::tcgetattr(0, &saved_) == 0) {
    if (!active_) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(0, TCSANOW, &quiet);
  }
  ~NoEcho() {
    if (active_) ::tcsetattr(0, TCSANOW, &saved_);
  }

 private:
  bool active_;
  termios saved_{};
};

std::string ReadValue(std::istream& in, bool terminal, CommandIo& io) {
  std::string value;
  if (terminal) {
    io.err << "value (not echoed): " << std::flush;
    NoEcho quiet(true);
    std::getline(in, value);
    io.err << "\n";
    return value;
  }
  value.assign(std::istreambuf_iterator<char>(in),
               std::istreambuf_iterator<char>());
  if (!value.empty() && value.back() == '\n') value.pop_back();
  if (!value.empty() && value.back() == '\r') value.pop_back();
  return value;
}

}  // namespace

int RunSecretsPut(const SecretArgs& args, bool rotate, std::istream& in,
                  bool in_is_terminal, CommandIo& io) {
  const char* command = rotate ? "rotate" : "put";
  if (args.tenant.empty() || args.name.empty()) {
    return Usage(io, command, "--tenant and --name are required");
  }
  std::string value = ReadValue(in, in_is_terminal, io);
  if (value.empty()) {
    return Usage(io, command, "no value on standard input");
  }
  GateClient client(args.gate.empty() ? kDefaultGateAddress : args.gate,
                    args.token);
  v1::PutSecretRequest request;
  request.set_tenant(args.tenant);
  request.set_name(args.name);
  request.set_value(value);
  request.set_rotate(rotate);
  std::fill(value.begin(), value.end(), '\0');
  v1::SecretInfo info;
  absl::Status s = client.Check(
      client.admin().PutSecret(client.Context().get(), request, &info));
  std::string* held = request.mutable_value();
  std::fill(held->begin(), held->end(), '\0');
  if (!s.ok()) return Refused(io, command, s);
  io.out << "secret " << info.name() << " of " << args.tenant
         << " is at version " << info.version() << "; refer to it as vault://"
         << args.tenant << "/" << info.name() << "\n";
  return kExitOk;
}

int RunSecretsList(const SecretArgs& args, CommandIo& io) {
  if (args.tenant.empty()) return Usage(io, "list", "--tenant is required");
  GateClient client(args.gate.empty() ? kDefaultGateAddress : args.gate,
                    args.token);
  v1::ListSecretsRequest request;
  request.set_tenant(args.tenant);
  v1::ListSecretsResponse response;
  absl::Status s = client.Check(
      client.admin().ListSecrets(client.Context().get(), request, &response));
  if (!s.ok()) return Refused(io, "list", s);
  if (args.json) return PrintJson(io, "secrets list", response);
  if (response.secrets().empty())
    io.out << "no secrets for " << args.tenant << "\n";
  for (const v1::SecretInfo& info : response.secrets()) {
    io.out << info.name() << "  version " << info.version() << "  updated "
           << absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                               codec::TimeFromProto(info.updated_at()),
                               absl::UTCTimeZone())
           << "\n";
  }
  return kExitOk;
}

int RunSecretsDelete(const SecretArgs& args, CommandIo& io) {
  if (args.tenant.empty() || args.name.empty()) {
    return Usage(io, "delete", "--tenant and --name are required");
  }
  GateClient client(args.gate.empty() ? kDefaultGateAddress : args.gate,
                    args.token);
  v1::DeleteSecretRequest request;
  request.set_tenant(args.tenant);
  request.set_name(args.name);
  v1::DeleteSecretResponse response;
  absl::Status s = client.Check(
      client.admin().DeleteSecret(client.Context().get(), request, &response));
  if (!s.ok()) return Refused(io, "delete", s);
  io.out << "secret " << args.name << " of " << args.tenant << " deleted\n";
  return kExitOk;
}

}  // namespace portcullis::cli
