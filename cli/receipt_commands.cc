#include "cli/receipt_commands.h"

#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "crypto/constant_time.h"
#include "crypto/hash.h"
#include "crypto/key_file.h"
#include "gate/action_digest.h"
#include "gate/receipt.h"
#include "server/codec/action_codec.h"
#include "server/codec/approval_codec.h"

namespace portcullis::cli {
namespace {

template <typename Message>
absl::StatusOr<Message> ReadJson(const std::string& path,
                                 absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  Message message;
  auto status =
      google::protobuf::util::JsonStringToMessage(text.str(), &message);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not ", what, " in JSON: ", std::string(status.message())));
  }
  return message;
}

}  // namespace

int RunReceiptVerify(const ReceiptVerifyArgs& args, CommandIo& io) {
  auto usage = [&](absl::string_view what) {
    io.err << "portcullis receipt verify: " << what << "\n";
    return kExitUsage;
  };
  if (args.receipt_file.empty() || args.key_file.empty()) {
    return usage("--receipt FILE and --key GATE.pub are required");
  }
  auto proto = ReadJson<v1::ExecutionReceipt>(
      args.receipt_file, "a portcullis.v1.ExecutionReceipt");
  if (!proto.ok()) return usage(proto.status().message());
  auto key = crypto::ReadVerifyingKeyFile(args.key_file);
  if (!key.ok()) return usage(key.status().message());
  gate::Receipt receipt = server::ReceiptFromProto(*proto);

  if (absl::Status s = gate::VerifyReceipt(receipt, *key); !s.ok()) {
    io.out << "INVALID: " << s.message() << "\n";
    return kExitFailed;
  }
  if (!args.action_file.empty()) {
    auto action_proto =
        ReadJson<v1::Action>(args.action_file, "a portcullis.v1.Action");
    if (!action_proto.ok()) return usage(action_proto.status().message());
    auto action = server::ActionFromProto(*action_proto);
    if (!action.ok()) return usage(action.status().message());
    crypto::Digest digest = gate::ActionDigest(*action);
    if (!crypto::ConstantTimeEquals(crypto::AsBytes(digest),
                                    receipt.action_digest) ||
        action->tenant != receipt.tenant) {
      io.out << "INVALID: the receipt is for a different action than "
             << args.action_file << "\n";
      return kExitFailed;
    }
  }
  io.out << "valid: tenant " << receipt.tenant << ", decision "
         << receipt.decision_id << ", tool " << receipt.tool << ", executed "
         << absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", receipt.executed_at,
                             absl::UTCTimeZone())
         << ", signed by gate key " << receipt.key_id << "\n";
  return kExitOk;
}

}  // namespace portcullis::cli
