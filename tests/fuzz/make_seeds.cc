// Writes the seed corpora of the fuzz targets under tests/fuzz/corpus/
// (except policy/ and config/, which are hand-written): a few valid inputs
// each, signed with the targets' fixed key where a signature is checked.
// Run it after changing an encoding and commit what it writes:
//
//   ninja -C build-fuzz make_seeds && build-fuzz/tests/fuzz/make_seeds
//   tests/fuzz/corpus
#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/time/time.h"
#include "codec/approval_codec.h"
#include "gate/approval.h"
#include "gate/receipt.h"
#include "ledger/entry.h"
#include "portcullis/v1/gate.pb.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace fs = std::filesystem;
namespace v1 = portcullis::v1;
namespace gate = portcullis::gate;
namespace ledger = portcullis::ledger;
using google::protobuf::util::JsonStringToMessage;
using google::protobuf::util::MessageToJsonString;

fs::path root;

void Write(const std::string& dir, const std::string& name,
           const std::string& bytes) {
  fs::create_directories(root / dir);
  std::ofstream out(root / dir / name, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) {
    std::fprintf(stderr, "cannot write %s/%s\n", dir.c_str(), name.c_str());
    std::exit(1);
  }
}

// Writes `message` as binary (name.bin) and as JSON (name.json).
void WriteBoth(const std::string& dir, const std::string& name,
               const google::protobuf::Message& message) {
  Write(dir, name + ".bin", message.SerializeAsString());
  std::string json;
  if (!MessageToJsonString(message, &json).ok()) std::exit(1);
  Write(dir, name + ".json", json);
}

void Requests() {
  const char* actions[] = {
      R"({"action": {"tenant": "al-noor", "agent": "support-bot",
          "tool": "reply_customer",
          "arguments": {"order_id": {"stringValue": "1042"},
                        "text": {"stringValue": "Your order has shipped."}},
          "context": {"requestId": "req-1",
                      "runMode": "RUN_MODE_INTERACTIVE"}}})",
      R"({"action": {"tenant": "al-noor", "agent": "support-bot",
          "tool": "create_coupon",
          "arguments": {"value": {"moneyValue": {"amount": "50.00",
                                                 "currency": "SAR"}},
                        "code": {"stringValue": "WELCOME10"}},
          "idempotencyKey": "coupon-7"}})",
      R"({"action": {"tenant": "desert-books", "agent": "ops-agent",
          "tool": "refund",
          "arguments": {"amount": {"moneyValue": {"amount": "-12.5",
                                                  "currency": "USD"}},
                        "items": {"listValue": {"values": [
                            {"intValue": "3"}, {"boolValue": true},
                            {"listValue": {"values": [
                                {"stringValue": "a"}]}}]}}},
          "context": {"confidence": 0.75,
                      "runMode": "RUN_MODE_UNATTENDED",
                      "correlationId": "c-9", "sessionId": "s-1"}}})",
  };
  int n = 0;
  for (const char* json : actions) {
    v1::EvaluateRequest request;
    if (!JsonStringToMessage(json, &request).ok()) std::exit(1);
    WriteBoth("request", "evaluate-" + std::to_string(++n), request);
  }
}

void LedgerEntries() {
  ledger::Entry previous;
  // 1 and 2: version 2; 3: version 1; 4: version 3, naming its replica.
  for (int i = 1; i <= 4; ++i) {
    ledger::Entry e;
    e.version = i == 3   ? ledger::kEntryVersion1
                : i == 4 ? ledger::kEntryVersion3
                         : ledger::kEntryVersion2;
    if (i == 4) e.replica = "pod-a";
    e.sequence = i;
    e.time = absl::FromUnixMillis(1767528000123 + i);
    e.tenant = "al-noor";
    e.kind = i == 1 ? "action.evaluated" : "approval.recorded";
    e.request_id = "req-" + std::to_string(i);
    e.correlation_id = i == 2 ? "corr-7" : "";
    e.decision_id = "dec-00000000000" + std::to_string(i);
    e.action_digest = i == 3 ? "" : std::string(32, static_cast<char>(i));
    e.payload_digest = ledger::PayloadDigest(std::string("\0payload", 8));
    if (i > 1) e.previous_hash = previous.hash;
    e.hash = ledger::ComputeEntryHash(e);
    Write("ledger_entry", "entry-" + std::to_string(i) + ".bin",
          ledger::EncodeStoredEntry(e));
    previous = e;
  }
}

void Approvals() {
  const auto& key = portcullis::fuzz::FixedKey();
  int n = 0;
  for (auto verdict :
       {gate::ApprovalVerdict::kApprove, gate::ApprovalVerdict::kDeny}) {
    gate::Approval a;
    a.tenant = "al-noor";
    a.decision_id = "dec-0000000001";
    a.action_digest = std::string(32, '\x07');
    a.verdict = verdict;
    a.expires_at = absl::FromUnixSeconds(1767531600);
    a.approver_id = "fatima";
    a.comment = verdict == gate::ApprovalVerdict::kDeny ? "not this one" : "";
    v1::ApproveRequest request;
    portcullis::codec::ApprovalToProto(a, request.mutable_approval());
    request.set_signature(gate::SignApproval(a, key));
    WriteBoth("approval", "approve-" + std::to_string(++n), request);
  }
}

void Receipts() {
  gate::Receipt r;
  r.tenant = "al-noor";
  r.decision_id = "dec-0000000001";
  r.action_digest = std::string(32, '\x07');
  r.tool = "refund";
  r.idempotency_key = "refund-1042";
  r.executed_at = absl::FromUnixMillis(1767528000123);
  r.ledger_sequence = 17;
  gate::SignReceipt(r, portcullis::fuzz::FixedKey());
  v1::ExecutionReceipt proto;
  portcullis::codec::ReceiptToProto(r, &proto);
  WriteBoth("receipt", "receipt-1", proto);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds CORPUS_DIR\n");
    return 2;
  }
  root = argv[1];
  Requests();
  LedgerEntries();
  Approvals();
  Receipts();
  return 0;
}
