#include "server/tls_credentials.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace portcullis::server {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path,
                                    absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the TLS ", what, " file ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsCredentials(
    const TlsFiles& files) {
  if (files.cert_file.empty() || files.key_file.empty()) {
    return absl::InvalidArgumentError("listen.tls needs certFile and keyFile");
  }
  if (files.require_client_cert && files.client_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "listen.tls.requireClientCert needs clientCaFile: the CAs client "
        "certificates must chain to");
  }
  struct stat st;
  if (::stat(files.key_file.c_str(), &st) == 0 && (st.st_mode & 0077) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("the TLS key file ", files.key_file,
                     " is readable by others; chmod 600 it"));
  }
  // Read here so that a file missing at start is a clear error; the
  // provider reads them again on its own.
  if (auto cert = ReadPem(files.cert_file, "certificate"); !cert.ok()) {
    return cert.status();
  }
  if (auto key = ReadPem(files.key_file, "key"); !key.ok()) {
    return key.status();
  }
  if (!files.client_ca_file.empty()) {
    auto ca = ReadPem(files.client_ca_file, "client CA");
    if (!ca.ok()) return ca.status();
  }
  const int64_t seconds =
      std::max<int64_t>(1, absl::ToInt64Seconds(files.reload_every));
  auto provider =
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          files.key_file, files.cert_file, files.client_ca_file,
          static_cast<unsigned int>(seconds));
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (!files.client_ca_file.empty()) options.watch_root_certs();
  options.set_cert_request_type(
      files.client_ca_file.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
      : files.require_client_cert
          ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
          : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace portcullis::server
