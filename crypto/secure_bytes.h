// SecureBytes holds secret material (private keys, derived keys, secret
// values) in memory from sodium_malloc: guarded pages, locked against swap,
// and wiped when freed. Move-only; not thread-safe for concurrent mutation.
#ifndef PORTCULLIS_CRYPTO_SECURE_BYTES_H_
#define PORTCULLIS_CRYPTO_SECURE_BYTES_H_

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace portcullis::crypto {

class SecureBytes {
 public:
  SecureBytes() = default;
  // Allocates `size` zeroed bytes. Aborts if secure memory is exhausted, as
  // libsodium's allocator can only fail when the process is out of memory.
  explicit SecureBytes(size_t size);
  // Copies `bytes` into secure memory.
  static SecureBytes CopyOf(absl::string_view bytes);
  ~SecureBytes();

  SecureBytes(SecureBytes&& other) noexcept;
  SecureBytes& operator=(SecureBytes&& other) noexcept;
  SecureBytes(const SecureBytes&) = delete;
  SecureBytes& operator=(const SecureBytes&) = delete;

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // A view for passing the secret to crypto/ functions; never log it.
  absl::string_view view() const {
    return {reinterpret_cast<const char*>(data_), size_};
  }

 private:
  void Release();

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace portcullis::crypto

#endif  // PORTCULLIS_CRYPTO_SECURE_BYTES_H_
