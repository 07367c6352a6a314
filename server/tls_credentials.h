// TLS for the gate's TCP listener: the certificate chain and key from PEM
// files, and optionally the CAs that client certificates must chain to
// (mTLS). The files are read again every `reload_every` (gRPC's
// FileWatcherCertificateProvider), so certificates rotated in place (a
// Kubernetes Secret, cert-manager) are served to new connections without a
// restart; files that cannot be read or do not match keep the ones in use.
// Reads files; thread-safe.
#ifndef PORTCULLIS_SERVER_TLS_CREDENTIALS_H_
#define PORTCULLIS_SERVER_TLS_CREDENTIALS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace grpc {
class ServerCredentials;
}  // namespace grpc

namespace portcullis::server {

struct TlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;  // empty: no client certificates asked for
  bool require_client_cert = false;
  // How often the files are read again; whole seconds, at least one.
  absl::Duration reload_every = absl::Minutes(1);
};

// Returns NotFound for a file that cannot be read, PermissionDenied for a
// key readable by group or others, InvalidArgument for a client certificate
// requirement without a CA file.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsCredentials(
    const TlsFiles& files);

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_TLS_CREDENTIALS_H_
