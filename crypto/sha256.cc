#include "crypto/sha256.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

namespace portcullis::crypto {
namespace {

// SHA-256 cannot fail short of memory exhaustion or a broken libcrypto;
// neither leaves a digest anyone may trust, so stop.
void Require(int ok, const char* what) {
  if (ok == 1) return;
  std::fprintf(stderr, "portcullis: libcrypto SHA-256 failed in %s\n", what);
  std::abort();
}

// Fetched once: an implicit fetch on every EVP_DigestInit costs a lookup
// in the provider's method store.
const EVP_MD* Sha256Method() {
  static const EVP_MD* const method = [] {
    EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    Require(md != nullptr, "EVP_MD_fetch");
    return md;
  }();
  return method;
}

EVP_MD_CTX* NewContext() {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  Require(context != nullptr, "EVP_MD_CTX_new");
  return context;
}

void Init(EVP_MD_CTX* context) {
  Require(EVP_DigestInit_ex2(context, Sha256Method(), nullptr), "init");
}

void Update(EVP_MD_CTX* context, absl::string_view data) {
  Require(EVP_DigestUpdate(context, data.data(), data.size()), "update");
}

Digest Final(EVP_MD_CTX* context) {
  static_assert(kDigestSize == 32);
  Digest out;
  unsigned int size = 0;
  Require(EVP_DigestFinal_ex(context, out.data(), &size), "final");
  Require(size == kDigestSize, "final (size)");
  return out;
}

// One context per thread, reused: allocating one per digest costs about as
// much as hashing a Merkle node.
struct ThreadContext {
  EVP_MD_CTX* context = NewContext();
  ~ThreadContext() { EVP_MD_CTX_free(context); }
};

}  // namespace

Digest Sha256(absl::string_view data) {
  thread_local ThreadContext local;
  Init(local.context);
  Update(local.context, data);
  return Final(local.context);
}

Sha256Hasher::Sha256Hasher() : context_(NewContext()) { Init(context_); }

Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(context_); }

void Sha256Hasher::Update(absl::string_view data) {
  crypto::Update(context_, data);
}

Digest Sha256Hasher::Finish() { return Final(context_); }

}  // namespace portcullis::crypto
