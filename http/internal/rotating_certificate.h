// RotatingCertificate is the operators' listener's certificate chain and
// private key, from PEM files that are read again once `reload_every` has
// passed (on a Clock) since they were last read: a certificate rotated in
// place (a Kubernetes Secret, cert-manager) is served to new connections
// without a restart, as the gRPC listener's is (server/tls_credentials.h).
//
// The files are looked at only when a TLS handshake asks for the pair, never
// on a timer of their own. Files that cannot be read, a key any user may
// read, or a key that does not match its certificate keep the pair in use
// and are tried again at the next interval. Thread-safe.
#ifndef PORTCULLIS_HTTP_INTERNAL_ROTATING_CERTIFICATE_H_
#define PORTCULLIS_HTTP_INTERNAL_ROTATING_CERTIFICATE_H_

#include <openssl/ssl.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"

namespace portcullis::http::http_internal {

struct RotationOptions {
  // How long a pair is served before the files are read again.
  absl::Duration reload_every = absl::Minutes(1);
  // Whose time that is; must outlive the RotatingCertificate.
  const Clock* clock = nullptr;
  // Told (on the handshake's thread, outside any lock) when files read
  // again were not taken up, and why; the pair in use stays.
  std::function<void(const absl::Status&)> on_reload_failed;
};

class RotatingCertificate {
 public:
  // Reads the pair now. FailedPrecondition, naming the files, when either
  // cannot be read as PEM or the key is not the certificate's;
  // PermissionDenied for a key file any user may read (and such a key read
  // again later is not taken up either).
  // `options.clock` is required.
  static absl::StatusOr<std::unique_ptr<RotatingCertificate>> Load(
      std::string cert_file, std::string key_file, RotationOptions options);

  RotatingCertificate(const RotatingCertificate&) = delete;
  RotatingCertificate& operator=(const RotatingCertificate&) = delete;
  ~RotatingCertificate();

  // Makes every handshake on `ctx` serve the pair current at that moment.
  // This object must outlive `ctx`.
  void ServeOn(SSL_CTX& ctx);

 private:
  struct Pair;

  RotatingCertificate(std::string cert_file, std::string key_file,
                      RotationOptions options);

  static absl::StatusOr<std::shared_ptr<const Pair>> Read(
      const std::string& cert_file, const std::string& key_file);
  // The pair to serve now, read again first when it is due.
  std::shared_ptr<const Pair> Current() ABSL_LOCKS_EXCLUDED(mu_);
  static int OnHandshake(SSL* ssl, void* self);

  const std::string cert_file_;
  const std::string key_file_;
  const absl::Duration reload_every_;
  const Clock& clock_;
  const std::function<void(const absl::Status&)> on_reload_failed_;
  absl::Mutex mu_;
  std::shared_ptr<const Pair> current_ ABSL_GUARDED_BY(mu_);
  absl::Time last_read_ ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::http::http_internal

#endif  // PORTCULLIS_HTTP_INTERNAL_ROTATING_CERTIFICATE_H_
