// TLS for the gate's TCP listener: the certificate chain and key from PEM
// files, and optionally the CAs that client certificates must chain to
// (mTLS). Reads files; thread-safe.
#ifndef PORTCULLIS_SERVER_TLS_CREDENTIALS_H_
#define PORTCULLIS_SERVER_TLS_CREDENTIALS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace grpc {
class ServerCredentials;
}  // namespace grpc

namespace portcullis::server {

struct TlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;  // empty: no client certificates asked for
  bool require_client_cert = false;
};

// Returns NotFound for a file that cannot be read, PermissionDenied for a
// key readable by group or others, InvalidArgument for a client certificate
// requirement without a CA file.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsCredentials(
    const TlsFiles& files);

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_TLS_CREDENTIALS_H_
