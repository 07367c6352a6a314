#include "cli/ledger_verify_export.h"

#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <iostream>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "crypto/constant_time.h"
#include "crypto/key_file.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/merkle.h"
#include "ledger/sealed_payload.h"
#include "portcullis/ledger/v1/export.pb.h"

namespace portcullis::cli {
namespace {

namespace v1 = ::portcullis::ledger::v1;

std::optional<crypto::Digest> ToDigest(const std::string& bytes) {
  crypto::Digest d;
  if (!crypto::DigestFromBytes(bytes, d)) return std::nullopt;
  return d;
}

// Checks an export line by line; the first problem stops it.
class ExportCheck {
 public:
  // A checkpoint signed by any of `keys` is accepted (a merge may hold
  // exports of replicas with keys of their own).
  ExportCheck(const std::vector<crypto::VerifyingKey>& keys,
              std::vector<v1::ExportedEntry>* kept)
      : keys_(keys), kept_(kept) {}

  // Returns "" when the line is fine, otherwise why not.
  std::string Line(const v1::ExportLine& line) {
    if (!header_.has_value() && !line.has_header()) {
      return "the export does not start with a header";
    }
    switch (line.line_case()) {
      case v1::ExportLine::kHeader:
        return Header(line.header());
      case v1::ExportLine::kCheckpoint:
        return Checkpoint(line.checkpoint().note());
      case v1::ExportLine::kConsistency:
        return Consistency(line.consistency());
      case v1::ExportLine::kEntry:
        return Entry(line.entry());
      default:
        return "an empty line object";
    }
  }

  // Returns "" when everything the header promised was shown.
  std::string Finish() const {
    if (!header_.has_value()) return "the export is empty";
    if (next_ != header_->to_sequence() + 1) {
      return absl::StrCat("the export ends at entry ", next_ - 1,
                          " but its header promises entries up to ",
                          header_->to_sequence(), ": entries removed");
    }
    return "";
  }

  const v1::ExportHeader& header() const { return *header_; }
  uint64_t entries() const { return entries_; }
  uint64_t pruned() const { return pruned_; }
  uint64_t opened() const { return opened_; }
  const std::map<uint64_t, ledger::Checkpoint>& checkpoints() const {
    return checkpoints_;
  }

 private:
  std::string Header(const v1::ExportHeader& h) {
    if (header_.has_value()) return "a second header";
    if (h.format() != "portcullis/ledger-export/v1") {
      return absl::StrCat("unknown export format \"", h.format(), "\"");
    }
    if (h.from_sequence() == 0 || h.from_sequence() > h.to_sequence() ||
        h.to_sequence() > h.proof_tree_size()) {
      return "the header's range of entries is inconsistent";
    }
    header_ = h;
    next_ = h.from_sequence();
    return "";
  }

  std::string Checkpoint(const std::string& note) {
    auto parsed = ledger::ParseCheckpoint(note);
    if (!parsed.ok()) return std::string(parsed.status().message());
    bool signed_by_a_key = false;
    for (const crypto::VerifyingKey& key : keys_) {
      signed_by_a_key =
          signed_by_a_key || ledger::VerifyCheckpointSignature(*parsed, key);
    }
    if (!signed_by_a_key) {
      return absl::StrCat(
          "the checkpoint of ", parsed->checkpoint.size, " is not signed by ",
          keys_.size() == 1 ? "the gate's key" : "any of the gate keys given");
    }
    if (parsed->checkpoint.tenant != header_->tenant()) {
      return absl::StrCat("the checkpoint of ", parsed->checkpoint.size,
                          " belongs to tenant \"", parsed->checkpoint.tenant,
                          "\"");
    }
    checkpoints_[parsed->checkpoint.size] = parsed->checkpoint;
    return "";
  }

  std::string Consistency(const v1::ConsistencyProof& p) {
    auto old_cp = checkpoints_.find(p.old_size());
    if (old_cp == checkpoints_.end()) {
      return "a consistency proof from a checkpoint not shown before it";
    }
    pending_consistency_ = p;
    return "";
  }

  // A checkpoint after a consistency proof must be the proof's new end.
  std::string CheckPendingConsistency() {
    if (!pending_consistency_.has_value()) return "";
    const v1::ConsistencyProof& p = *pending_consistency_;
    auto new_cp = checkpoints_.find(p.new_size());
    if (new_cp == checkpoints_.end()) return "";
    std::vector<crypto::Digest> hashes;
    for (const std::string& h : p.hashes()) {
      auto d = ToDigest(h);
      if (!d) return "a consistency proof hash is not 32 bytes";
      hashes.push_back(*d);
    }
    pending_consistency_.reset();
    if (!ledger::VerifyMerkleConsistency(p.old_size(), p.new_size(),
                                         checkpoints_[p.old_size()].root,
                                         new_cp->second.root, hashes)) {
      return absl::StrCat("the checkpoint of ", p.new_size(),
                          " is not consistent with the checkpoint of ",
                          p.old_size(), ": the history was rewritten");
    }
    return "";
  }

  std::string Entry(const v1::ExportedEntry& x) {
    if (std::string s = CheckPendingConsistency(); !s.empty()) return s;
    auto tree = checkpoints_.find(header_->proof_tree_size());
    if (tree == checkpoints_.end()) {
      return "no signed checkpoint of the proof tree size precedes the "
             "entries";
    }
    if (x.sequence() != next_) {
      return absl::StrCat("expected entry ", next_, ", found ", x.sequence(),
                          ": entries removed or reordered");
    }
    if (x.tenant() != header_->tenant()) {
      return absl::StrCat("the entry belongs to tenant \"", x.tenant(), "\"");
    }
    ledger::Entry e;
    e.version = static_cast<uint8_t>(x.version());
    e.sequence = x.sequence();
    e.time = absl::FromUnixNanos(x.time_unix_nanos());
    e.tenant = x.tenant();
    e.kind = x.kind();
    e.request_id = x.request_id();
    e.correlation_id = x.correlation_id();
    e.decision_id = x.decision_id();
    e.action_digest = x.action_digest();
    e.replica = x.replica();
    auto payload_digest = ToDigest(x.payload_digest());
    auto previous = ToDigest(x.previous_hash());
    auto hash = ToDigest(x.hash());
    if (!payload_digest || !previous || !hash ||
        !ledger::IsKnownEntryVersion(x.version())) {
      return "the entry is malformed";
    }
    // Version 3 names its replica; earlier versions have no room for one.
    if (e.version == ledger::kEntryVersion3
            ? !ValidateReplicaName(e.replica).ok()
            : !e.replica.empty()) {
      return "the entry's replica is malformed";
    }
    e.payload_digest = *payload_digest;
    e.previous_hash = *previous;
    e.hash = *hash;
    if (ledger::ComputeEntryHash(e) != e.hash) {
      return "the entry's hash does not match its contents: modified";
    }
    if ((e.sequence == 1 && e.previous_hash != crypto::Digest{}) ||
        (last_hash_.has_value() && e.previous_hash != *last_hash_)) {
      return "the entry does not follow the one before it";
    }
    if (std::string s = Payload(x, e); !s.empty()) return s;
    std::vector<crypto::Digest> proof;
    for (const std::string& h : x.inclusion_proof()) {
      auto d = ToDigest(h);
      if (!d) return "an inclusion proof hash is not 32 bytes";
      proof.push_back(*d);
    }
    if (!ledger::VerifyMerkleInclusion(e.sequence - 1, tree->first,
                                       ledger::MerkleLeafHash(e.hash), proof,
                                       tree->second.root)) {
      return absl::StrCat("the entry is not in the tree of the checkpoint of ",
                          tree->first);
    }
    if (e.sequence == tree->first && e.hash != tree->second.head) {
      return "the checkpoint's head hash is not this entry's";
    }
    last_hash_ = e.hash;
    ++next_;
    ++entries_;
    if (kept_ != nullptr) kept_->push_back(x);
    return "";
  }

  std::string Payload(const v1::ExportedEntry& x, const ledger::Entry& e) {
    if (!x.has_stored_payload()) {
      if (!x.pruned()) return "the payload is missing and not marked pruned";
      ++pruned_;
      return "";
    }
    if (ledger::PayloadDigest(x.stored_payload()) != e.payload_digest) {
      return "the payload does not match its digest: modified";
    }
    if (!x.has_plaintext()) return "";
    auto view = ledger::ParseStoredPayload(e.version, x.stored_payload());
    if (!view.ok()) return "the stored payload is malformed";
    if (!view->sealed) {
      if (view->body != x.plaintext())
        return "the plaintext is not the payload";
    } else {
      auto opened = ledger::OpenPayload(x.entry_key(), e.tenant, e.sequence,
                                        x.stored_payload());
      if (!opened.ok() || !crypto::ConstantTimeEquals(*opened, x.plaintext())) {
        return "the plaintext is not what the ledger sealed";
      }
    }
    ++opened_;
    return "";
  }

  const std::vector<crypto::VerifyingKey>& keys_;
  std::vector<v1::ExportedEntry>* kept_;
  std::optional<v1::ExportHeader> header_;
  std::map<uint64_t, ledger::Checkpoint> checkpoints_;
  std::optional<v1::ConsistencyProof> pending_consistency_;
  std::optional<crypto::Digest> last_hash_;
  uint64_t next_ = 0;
  uint64_t entries_ = 0;
  uint64_t pruned_ = 0;
  uint64_t opened_ = 0;
};

int Usage(CommandIo& io, absl::string_view message) {
  io.err << "portcullis ledger verify-export: " << message << "\n";
  return kExitUsage;
}

}  // namespace

ExportVerdict VerifyExportStream(std::istream& in,
                                 const std::vector<crypto::VerifyingKey>& keys,
                                 bool keep_entries) {
  ExportVerdict verdict;
  ExportCheck check(keys, keep_entries ? &verdict.result.entries : nullptr);
  std::string text;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  while (std::getline(in, text)) {
    ++verdict.line;
    if (text.empty()) continue;
    v1::ExportLine line;
    if (!google::protobuf::util::JsonStringToMessage(text, &line, options)
             .ok()) {
      verdict.problem = "not an export line";
    } else {
      verdict.problem = check.Line(line);
    }
    if (!verdict.problem.empty()) {
      if (line.has_entry()) verdict.sequence = line.entry().sequence();
      return verdict;
    }
  }
  verdict.line = 0;
  verdict.problem = check.Finish();
  if (!verdict.problem.empty()) return verdict;
  verdict.result.header = check.header();
  verdict.result.checkpoint =
      check.checkpoints().at(check.header().proof_tree_size());
  verdict.result.count = check.entries();
  verdict.result.pruned = check.pruned();
  verdict.result.opened = check.opened();
  return verdict;
}

std::string ExportVerdict::Describe() const {
  if (line == 0) return problem;
  return absl::StrCat(
      "line ", line,
      sequence ? absl::StrCat(" (sequence ", *sequence, ")") : "", ": ",
      problem);
}

int RunLedgerVerifyExport(const LedgerVerifyExportArgs& args, CommandIo& io) {
  if (args.file.empty() || args.key.empty()) {
    return Usage(io, "usage: verify-export FILE --key GATE.pub");
  }
  auto key = crypto::ReadVerifyingKeyFile(args.key);
  if (!key.ok()) return Usage(io, key.status().message());
  std::ifstream file;
  std::istream* in = &std::cin;
  if (args.file != "-") {
    file.open(args.file, std::ios::binary);
    if (!file) return Usage(io, absl::StrCat("cannot read ", args.file));
    in = &file;
  }
  ExportVerdict verdict = VerifyExportStream(*in, {*key}, false);
  if (!verdict.ok()) {
    io.out << "INVALID" << (verdict.line == 0 ? ": " : " ")
           << verdict.Describe() << "\n";
    return kExitFailed;
  }
  const VerifiedExport& ok = verdict.result;
  const ledger::Checkpoint& cp = ok.checkpoint;
  io.out << "VERIFIED tenant " << ok.header.tenant() << " entries "
         << ok.header.from_sequence() << ".." << ok.header.to_sequence() << " ("
         << ok.count << " entries, " << ok.pruned << " payloads pruned, "
         << ok.opened << " plaintexts checked) against the checkpoint of "
         << cp.size << " signed at "
         << absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", cp.time, absl::UTCTimeZone())
         << " by gate key " << cp.key_id << "\n";
  return kExitOk;
}

}  // namespace portcullis::cli
