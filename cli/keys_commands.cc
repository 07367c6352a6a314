#include "cli/keys_commands.h"

#include "crypto/ed25519.h"
#include "crypto/key_file.h"

namespace portcullis::cli {

int RunKeysGenerate(const KeysGenerateArgs& args, CommandIo& io) {
  if (args.out.empty()) {
    io.err << "portcullis keys generate: --out PREFIX is required (writes "
              "PREFIX.key and PREFIX.pub)\n";
    return kExitUsage;
  }
  crypto::SigningKey key = crypto::SigningKey::Generate();
  std::string secret_path = args.out + ".key";
  std::string public_path = args.out + ".pub";
  if (absl::Status s = crypto::WriteSigningKeyFile(secret_path, key); !s.ok()) {
    io.err << "portcullis keys generate: " << s.message() << "\n";
    return kExitFailed;
  }
  if (absl::Status s =
          crypto::WriteVerifyingKeyFile(public_path, key.verifying_key());
      !s.ok()) {
    io.err << "portcullis keys generate: " << s.message() << "\n";
    return kExitFailed;
  }
  io.out << "signing key: " << secret_path << " (mode 0600; keep it secret)\n"
         << "public key:  " << public_path << "\n"
         << "public key (base64): "
         << crypto::FormatVerifyingKey(key.verifying_key()) << "\n"
         << "key id: " << crypto::KeyId(key.verifying_key()) << "\n";
  return kExitOk;
}

}  // namespace portcullis::cli
