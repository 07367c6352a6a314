#include "cli/gate_client.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace portcullis::cli {

std::string TokenFrom(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv(kTokenEnvironment);
  return env == nullptr ? "" : env;
}

std::string GateAddress(const std::string& flag, const std::string& data_dir) {
  if (!flag.empty()) return flag;
  std::string socket = absl::StrCat(
      data_dir.empty() ? kDefaultDataDir : data_dir, "/portcullis.sock");
  struct stat info;
  if (::stat(socket.c_str(), &info) == 0 && S_ISSOCK(info.st_mode)) {
    return "unix:" + socket;
  }
  return kDefaultGateAddress;
}

GateClient::GateClient(const std::string& address, std::string token,
                       absl::Duration timeout)
    : address_(address),
      token_(std::move(token)),
      timeout_(timeout),
      channel_(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
      gate_(v1::Gate::NewStub(channel_)),
      admin_(v1::Admin::NewStub(channel_)) {}

std::unique_ptr<grpc::ClientContext> GateClient::Context() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoNanoseconds(timeout_));
  if (!token_.empty())
    context->AddMetadata("authorization", "Bearer " + token_);
  return context;
}

absl::Status GateClient::Check(const grpc::Status& status) const {
  if (status.ok()) return absl::OkStatus();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return absl::UnavailableError(absl::StrCat(
        "cannot reach the gate at ", address_, " (", status.error_message(),
        "); is it running? use --gate to point elsewhere"));
  }
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

}  // namespace portcullis::cli
