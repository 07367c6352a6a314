#include "cli/ledger_merge.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "cli/ledger_verify_export.h"
#include "crypto/key_file.h"
#include "portcullis/ledger/v1/export.pb.h"

namespace portcullis::cli {
namespace {

namespace v1 = ::portcullis::ledger::v1;

constexpr absl::string_view kMergeFormat = "portcullis/ledger-merge/v1";

int Fail(CommandIo& io, int code, absl::string_view message) {
  io.err << "portcullis ledger merge: " << message << "\n";
  return code;
}

// One entry on its way out, with what orders it.
struct Pending {
  int64_t time = 0;
  const std::string* replica = nullptr;
  const std::string* tenant = nullptr;
  uint64_t sequence = 0;
  uint32_t export_index = 0;
  const v1::ExportedEntry* entry = nullptr;

  bool operator<(const Pending& o) const {
    return std::tie(time, *replica, *tenant, sequence, export_index) <
           std::tie(o.time, *o.replica, *o.tenant, o.sequence, o.export_index);
  }
};

// Refuses what would make the merged lines ambiguous or count a history
// twice: two exports of one tenant holding entries of the same named
// replica (one export given twice, or two ledgers that call themselves the
// same), or the same entry (the same chain exported twice, or overlapping
// exports of it; this catches ledgers whose entries name no replica).
std::string FindClaimedTwice(const std::vector<std::string>& files,
                             const std::vector<VerifiedExport>& exports,
                             const std::vector<std::set<std::string>>& names) {
  std::map<std::pair<std::string, std::string>, size_t> owner;
  for (size_t i = 0; i < exports.size(); ++i) {
    for (const std::string& replica : names[i]) {
      if (replica.empty()) continue;
      auto [it, fresh] =
          owner.emplace(std::pair{exports[i].header.tenant(), replica}, i);
      if (fresh) continue;
      return absl::StrCat(
          files[it->second], " and ", files[i], " both hold entries of tenant ",
          exports[i].header.tenant(), " by replica ", replica,
          ": merged, their lines could not be told apart (the same export "
          "given twice, or two ledgers that name themselves the same)");
    }
  }
  std::map<std::pair<std::string, std::string>, size_t> holder;
  for (size_t i = 0; i < exports.size(); ++i) {
    for (const v1::ExportedEntry& e : exports[i].entries) {
      auto [it, fresh] = holder.emplace(std::pair{e.tenant(), e.hash()}, i);
      if (fresh) continue;
      return absl::StrCat(files[it->second], " and ", files[i],
                          " hold the same entry of tenant ", e.tenant(),
                          " (sequence ", e.sequence(),
                          "): one ledger's history, given twice");
    }
  }
  return "";
}

v1::MergeHeader Header(const std::vector<std::string>& files,
                       const std::vector<VerifiedExport>& exports,
                       const std::vector<std::set<std::string>>& names) {
  v1::MergeHeader header;
  header.set_format(std::string(kMergeFormat));
  for (size_t i = 0; i < exports.size(); ++i) {
    v1::MergedExport& out = *header.add_exports();
    out.set_file(files[i]);
    out.set_tenant(exports[i].header.tenant());
    out.set_from_sequence(exports[i].header.from_sequence());
    out.set_to_sequence(exports[i].header.to_sequence());
    for (const std::string& replica : names[i]) out.add_replicas(replica);
    out.set_checkpoint_size(exports[i].checkpoint.size);
    out.set_checkpoint_key_id(exports[i].checkpoint.key_id);
  }
  return header;
}

bool PrintLine(CommandIo& io, const v1::MergedLine& line) {
  // Every field, defaults too: an entry that names no replica says
  // "replica":"", and the first export's index is 0, not left out.
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(line, &json, options).ok()) {
    return false;
  }
  io.out << json << "\n";
  return true;
}

absl::StatusOr<std::vector<crypto::VerifyingKey>> ReadKeys(
    const std::string& list) {
  std::vector<crypto::VerifyingKey> keys;
  for (absl::string_view file : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    auto key = crypto::ReadVerifyingKeyFile(std::string(file));
    if (!key.ok()) return key.status();
    keys.push_back(*key);
  }
  if (keys.empty()) return absl::InvalidArgumentError("--key is required");
  return keys;
}

}  // namespace

int RunLedgerMerge(const LedgerMergeArgs& args, CommandIo& io) {
  if (args.files.empty() || args.keys.empty()) {
    return Fail(io, kExitUsage,
                "usage: merge EXPORT... --key GATE.pub[,GATE2.pub]");
  }
  auto keys = ReadKeys(args.keys);
  if (!keys.ok()) return Fail(io, kExitUsage, keys.status().message());
  std::vector<VerifiedExport> exports;
  std::vector<std::set<std::string>> names;
  for (const std::string& file : args.files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Fail(io, kExitUsage, absl::StrCat("cannot read ", file));
    ExportVerdict verdict = VerifyExportStream(in, *keys, true);
    if (!verdict.ok()) {
      return Fail(io, kExitFailed,
                  absl::StrCat(file, " does not verify: ", verdict.Describe(),
                               "; nothing merged"));
    }
    std::set<std::string>& named = names.emplace_back();
    for (const v1::ExportedEntry& e : verdict.result.entries) {
      named.insert(e.replica());
    }
    exports.push_back(std::move(verdict.result));
  }
  if (std::string twice = FindClaimedTwice(args.files, exports, names);
      !twice.empty()) {
    return Fail(io, kExitFailed, absl::StrCat(twice, "; nothing merged"));
  }
  std::vector<Pending> order;
  for (size_t i = 0; i < exports.size(); ++i) {
    for (const v1::ExportedEntry& e : exports[i].entries) {
      order.push_back({e.time_unix_nanos(), &e.replica(), &e.tenant(),
                       e.sequence(), static_cast<uint32_t>(i), &e});
    }
  }
  std::sort(order.begin(), order.end());
  v1::MergedLine first;
  *first.mutable_header() = Header(args.files, exports, names);
  if (!PrintLine(io, first)) {
    return Fail(io, kExitFailed, "cannot write the header");
  }
  for (const Pending& p : order) {
    v1::MergedLine line;
    v1::MergedEntry& out = *line.mutable_entry();
    out.set_replica(*p.replica);
    out.set_tenant(*p.tenant);
    out.set_sequence(p.sequence);
    out.set_time(absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ",
                                  absl::FromUnixNanos(p.time),
                                  absl::UTCTimeZone()));
    out.set_export_index(p.export_index);
    *out.mutable_entry() = *p.entry;
    if (!PrintLine(io, line)) {
      return Fail(io, kExitFailed, "cannot write an entry");
    }
  }
  io.err << "merged " << order.size() << " entries of " << exports.size()
         << " exports\n";
  return kExitOk;
}

}  // namespace portcullis::cli
