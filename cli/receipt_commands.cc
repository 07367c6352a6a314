#include "cli/receipt_commands.h"

#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "codec/action_codec.h"
#include "codec/approval_codec.h"
#include "crypto/constant_time.h"
#include "crypto/hash.h"
#include "crypto/key_file.h"
#include "gate/action_digest.h"
#include "gate/receipt.h"

namespace portcullis::cli {
namespace {

absl::StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

template <typename Message>
absl::StatusOr<Message> ReadJson(const std::string& path,
                                 absl::string_view what) {
  absl::StatusOr<std::string> text = ReadText(path);
  if (!text.ok()) return text.status();
  Message message;
  auto status = google::protobuf::util::JsonStringToMessage(*text, &message);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not ", what, " in JSON: ", std::string(status.message())));
  }
  return message;
}

// The receipt in `path`: either the receipt itself or Execute's response,
// {"receipt": {...}}, as a gRPC client prints it.
absl::StatusOr<v1::ExecutionReceipt> ReadReceipt(const std::string& path) {
  absl::StatusOr<std::string> text = ReadText(path);
  if (!text.ok()) return text.status();
  v1::ExecutionReceipt receipt;
  auto bare = google::protobuf::util::JsonStringToMessage(*text, &receipt);
  if (bare.ok()) return receipt;
  v1::ExecuteResponse response;
  if (google::protobuf::util::JsonStringToMessage(*text, &response).ok() &&
      response.has_receipt()) {
    return response.receipt();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      path,
      ": not a portcullis.v1.ExecutionReceipt, nor an ExecuteResponse with "
      "one, in JSON: ",
      std::string(bare.message())));
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
  auto proto = ReadReceipt(args.receipt_file);
  if (!proto.ok()) return usage(proto.status().message());
  auto key = crypto::ReadVerifyingKeyFile(args.key_file);
  if (!key.ok()) return usage(key.status().message());
  gate::Receipt receipt = codec::ReceiptFromProto(*proto);

  if (absl::Status s = gate::VerifyReceipt(receipt, *key); !s.ok()) {
    io.out << "INVALID: " << s.message() << "\n";
    return kExitFailed;
  }
  if (!args.action_file.empty()) {
    auto action_proto =
        ReadJson<v1::Action>(args.action_file, "a portcullis.v1.Action");
    if (!action_proto.ok()) return usage(action_proto.status().message());
    auto action = codec::ActionFromProto(*action_proto);
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
