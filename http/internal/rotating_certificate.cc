#include "http/internal/rotating_certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace portcullis::http::http_internal {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

// Never asks for a passphrase (OpenSSL's default would prompt on the
// terminal): an encrypted key reads as unreadable.
int NoPassphrase(char*, int, int, void*) { return 0; }

}  // namespace

struct RotatingCertificate::Pair {
  X509* leaf = nullptr;
  STACK_OF(X509) * chain = nullptr;  // the certificates after the leaf
  EVP_PKEY* key = nullptr;

  Pair() = default;
  Pair(const Pair&) = delete;
  Pair& operator=(const Pair&) = delete;
  ~Pair() {
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
  }
};

RotatingCertificate::RotatingCertificate(std::string cert_file,
                                         std::string key_file,
                                         RotationOptions options)
    : cert_file_(std::move(cert_file)),
      key_file_(std::move(key_file)),
      reload_every_(options.reload_every),
      clock_(*options.clock),
      on_reload_failed_(std::move(options.on_reload_failed)) {}

RotatingCertificate::~RotatingCertificate() = default;

absl::StatusOr<std::unique_ptr<RotatingCertificate>> RotatingCertificate::Load(
    std::string cert_file, std::string key_file, RotationOptions options) {
  auto pair = Read(cert_file, key_file);
  if (!pair.ok()) return pair.status();
  std::unique_ptr<RotatingCertificate> self(new RotatingCertificate(
      std::move(cert_file), std::move(key_file), std::move(options)));
  absl::MutexLock lock(&self->mu_);
  self->current_ = *std::move(pair);
  self->last_read_ = self->clock_.Now();
  return self;
}

absl::StatusOr<std::shared_ptr<const RotatingCertificate::Pair>>
RotatingCertificate::Read(const std::string& cert_file,
                          const std::string& key_file) {
  // Any user's, no; its group's, yes: a Kubernetes Secret under fsGroup is
  // mounted 0440, and the files are read where they are so that a rotated
  // Secret is seen.
  struct stat st;
  if (::stat(key_file.c_str(), &st) == 0 && (st.st_mode & 0007) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("observability.tls: the key file ", key_file,
                     " is readable by any user; chmod 600 it"));
  }
  auto pair = std::make_shared<Pair>();
  bool read = false;
  if (Bio certs(BIO_new_file(cert_file.c_str(), "r")); certs != nullptr) {
    pair->leaf = PEM_read_bio_X509(certs.get(), nullptr, NoPassphrase, nullptr);
    pair->chain = sk_X509_new_null();
    while (pair->leaf != nullptr && pair->chain != nullptr) {
      X509* next =
          PEM_read_bio_X509(certs.get(), nullptr, NoPassphrase, nullptr);
      if (next == nullptr) break;  // the end of the file
      if (sk_X509_push(pair->chain, next) == 0) X509_free(next);
    }
    read = pair->leaf != nullptr && pair->chain != nullptr;
  }
  if (Bio key(BIO_new_file(key_file.c_str(), "r")); read && key != nullptr) {
    pair->key =
        PEM_read_bio_PrivateKey(key.get(), nullptr, NoPassphrase, nullptr);
  }
  const bool matches = pair->key != nullptr &&
                       X509_check_private_key(pair->leaf, pair->key) == 1;
  // Reading to the end of a PEM file leaves an error behind: none of this
  // thread's errors may reach the next TLS call on it.
  ERR_clear_error();
  if (!matches) {
    return absl::FailedPreconditionError(absl::StrCat(
        "observability.tls: cannot load the certificate ", cert_file,
        " or its key ", key_file,
        read && pair->key != nullptr ? " (the key is not the certificate's)"
                                     : ""));
  }
  return std::shared_ptr<const Pair>(std::move(pair));
}

std::shared_ptr<const RotatingCertificate::Pair>
RotatingCertificate::Current() {
  absl::Status problem;
  std::shared_ptr<const Pair> current;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    // A clock stepped back reads now too, rather than never again.
    if (now - last_read_ >= reload_every_ || now < last_read_) {
      last_read_ = now;
      auto fresh = Read(cert_file_, key_file_);
      if (fresh.ok()) {
        current_ = *std::move(fresh);
      } else {
        problem = fresh.status();
      }
    }
    current = current_;
  }
  if (!problem.ok() && on_reload_failed_) on_reload_failed_(problem);
  return current;
}

int RotatingCertificate::OnHandshake(SSL* ssl, void* self) {
  std::shared_ptr<const Pair> pair =
      static_cast<RotatingCertificate*>(self)->Current();
  // The connection takes its own references to the three.
  return SSL_use_cert_and_key(ssl, pair->leaf, pair->key, pair->chain,
                              /*override=*/1) == 1
             ? 1
             : 0;
}

void RotatingCertificate::ServeOn(SSL_CTX& ctx) {
  SSL_CTX_set_cert_cb(&ctx, &RotatingCertificate::OnHandshake, this);
}

}  // namespace portcullis::http::http_internal
