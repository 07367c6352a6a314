#include "cli/replay_export.h"

#include <google/protobuf/util/delimited_message_util.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "cli/progress.h"
#include "codec/proto_record_codec.h"
#include "codec/replay_codec.h"
#include "crypto/master_key_file.h"
#include "gate/records.h"
#include "gate/state_snapshot.h"
#include "ledger/ledger.h"
#include "ledger/rocksdb_store.h"
#include "portcullis/replay/v1/recording.pb.h"

namespace portcullis::cli {
namespace {

using gate::replay::RecordedAction;
using gate::replay::ReplayOutcome;

int Fail(CommandIo& io, int code, absl::string_view message) {
  io.err << "portcullis ledger export: " << message << "\n";
  return code;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ledger::Ledger>> OpenLedgerReadOnly(
    const std::string& data_dir, const std::string& master_key) {
  std::string key_file = master_key;
  if (key_file.empty()) {
    std::string fallback = data_dir + "/master.key";
    if (std::filesystem::exists(fallback)) key_file = fallback;
  }
  ledger::LedgerOptions options;
  // A reader: a new master key is applied by the next gate (or offline
  // command) that writes.
  options.rotate_retired_keys = false;
  if (!key_file.empty()) {
    auto keys = crypto::ReadMasterKeyFile(key_file);
    if (!keys.ok()) return keys.status();
    options.master_keys =
        std::make_shared<std::vector<crypto::MasterKey>>(*std::move(keys));
  }
  ledger::RocksDbOptions store_options;
  store_options.read_only = true;
  auto store = ledger::RocksDbStore::Open(data_dir, store_options);
  if (!store.ok()) return store.status();
  return ledger::Ledger::Open(*std::move(store), options);
}

namespace {

// When the pending decision's approval was granted, if it was.
absl::StatusOr<std::optional<absl::Time>> GrantedAt(
    const ledger::Ledger& ledger, const gate::RecordCodec& codec,
    const std::string& tenant, const std::string& decision_id) {
  std::optional<absl::Time> granted;
  absl::Status problem;
  absl::Status read =
      ledger.ReadDecision(tenant, decision_id, [&](const ledger::Entry& entry) {
        if (entry.kind != gate::kApprovalGranted || !entry.payload) return true;
        auto verdict = gate::DecodeAs<gate::VerdictRecord>(codec, entry.kind,
                                                           *entry.payload);
        if (!verdict.ok()) {
          problem = verdict.status();
          return false;
        }
        if (verdict->resolution != gate::Resolution::kGranted) return true;
        granted = entry.time;
        return false;
      });
  if (!read.ok()) return read;
  if (!problem.ok()) return problem;
  return granted;
}

gate::replay::RecordedStanding GrantOf(const gate::StandingGrantRecord& g) {
  return {g.standing.id, g.standing.approver_id, g.approver_roles};
}

// The grant of standing approval `id`, from `grants` or its
// "standing.granted" entry before `before` (a standing approval is granted
// at most policy::kMaxApprovalExpiry before its last use), remembered in
// `grants`. nullopt when it is not found (its payload pruned).
absl::StatusOr<std::optional<gate::replay::RecordedStanding>> FindGrant(
    const ledger::Ledger& ledger, const gate::RecordCodec& codec,
    const ledger::Entry& before, const std::string& id,
    StandingGrants* grants) {
  if (grants != nullptr) {
    if (auto known = grants->find(id); known != grants->end()) {
      return known->second;
    }
  }
  std::optional<gate::replay::RecordedStanding> found;
  absl::Status problem;
  // A reverse read walks from the head down: the entries from `before` on
  // are passed over.
  absl::Status read = ledger.Read(
      before.tenant, 1, /*reverse=*/true, [&](const ledger::Entry& entry) {
        if (entry.sequence >= before.sequence) return true;
        if (before.time - entry.time > policy::kMaxApprovalExpiry) {
          return false;
        }
        if (entry.kind != gate::kStandingGranted || !entry.payload) {
          return true;
        }
        auto grant = gate::DecodeAs<gate::StandingGrantRecord>(
            codec, entry.kind, *entry.payload);
        if (!grant.ok()) {
          problem = grant.status();
          return false;
        }
        if (grant->standing.id != id) return true;
        found = GrantOf(*grant);
        return false;
      });
  if (!read.ok()) return read;
  if (!problem.ok()) return problem;
  if (found && grants != nullptr) grants->emplace(id, *found);
  return found;
}

RecordedAction FromEvaluation(const ledger::Entry& entry,
                              gate::EvaluationRecord record) {
  RecordedAction out;
  out.time = entry.time;
  out.action = std::move(record.action);
  out.decision.outcome =
      gate::replay::FromPolicyOutcome(record.decision.verdict.outcome);
  for (const policy::RuleCitation& rule : record.decision.verdict.decided_by) {
    out.decision.decided_by.push_back(rule.id);
  }
  out.decision.policy_version = record.decision.policy_version;
  out.decision_id = record.decision.id;
  out.ledger_sequence = entry.sequence;
  return out;
}

}  // namespace

void RememberGrant(const gate::RecordCodec& codec, const ledger::Entry& entry,
                   StandingGrants& grants) {
  if (entry.kind != gate::kStandingGranted || !entry.payload) return;
  auto grant = gate::DecodeAs<gate::StandingGrantRecord>(codec, entry.kind,
                                                         *entry.payload);
  if (grant.ok()) grants.insert_or_assign(grant->standing.id, GrantOf(*grant));
}

absl::StatusOr<std::optional<RecordedAction>> RecordedActionFor(
    const ledger::Ledger& ledger, const gate::RecordCodec& codec,
    const ledger::Entry& entry, StandingGrants* grants) {
  if (entry.kind == gate::kActionEvaluated) {
    auto record = gate::DecodeAs<gate::EvaluationRecord>(codec, entry.kind,
                                                         *entry.payload);
    if (!record.ok()) return record.status();
    std::vector<std::string> standing =
        gate::CitedStanding(record->decision.verdict);
    RecordedAction out = FromEvaluation(entry, *std::move(record));
    if (!standing.empty()) {
      auto grant = FindGrant(ledger, codec, entry, standing.front(), grants);
      if (!grant.ok()) return grant.status();
      out.standing = *std::move(grant);
    }
    if (out.decision.outcome == ReplayOutcome::kPendingApproval) {
      auto granted = GrantedAt(ledger, codec, entry.tenant, out.decision_id);
      if (!granted.ok()) return granted.status();
      out.approval_granted_at = *granted;
    }
    return out;
  }
  auto record =
      gate::DecodeAs<gate::RejectionRecord>(codec, entry.kind, *entry.payload);
  if (!record.ok()) return record.status();
  // Only a rejection by the policy's argument checks is a decision a
  // candidate can make otherwise; a request refused before it could be
  // read carries no usable action.
  if (!absl::IsInvalidArgument(record->error) ||
      record->action.tenant.empty()) {
    return std::nullopt;
  }
  RecordedAction out;
  out.time = entry.time;
  out.action = std::move(record->action);
  out.decision.outcome = ReplayOutcome::kRejected;
  out.decision.error = std::string(record->error.message());
  out.ledger_sequence = entry.sequence;
  return out;
}

namespace {

struct Counts {
  uint64_t lines = 0;
  uint64_t pruned = 0;
};

}  // namespace

int RunReplayExport(const LedgerExportArgs& args, CommandIo& io) {
  if (absl::Status s = ValidateTenantId(args.tenant); !s.ok()) {
    return Fail(io, kExitUsage, absl::StrCat("--tenant: ", s.message()));
  }
  auto ledger = OpenLedgerReadOnly(args.data_dir, args.master_key);
  if (!ledger.ok()) return Fail(io, kExitUsage, ledger.status().message());
  std::optional<ledger::ChainHead> head = (*ledger)->Head(args.tenant);
  if (!head) {
    return Fail(io, kExitFailed,
                absl::StrCat("tenant ", args.tenant, " has no entries"));
  }
  const uint64_t from = args.from == 0 ? 1 : args.from;
  const uint64_t to = args.to == 0 ? head->sequence : args.to;
  if (from > to) return Fail(io, kExitUsage, "--from is after --to");

  codec::ProtoRecordCodec codec;
  codec::ProtoJson json;
  const bool binary = args.format == "replay-binpb";
  Progress progress(io.err, io.err_is_terminal, "exporting");
  Counts counts;
  StandingGrants grants;
  absl::Status problem;
  absl::Status read = (*ledger)->Read(
      args.tenant, from, /*reverse=*/false, [&](const ledger::Entry& entry) {
        if (entry.sequence > to) return false;
        progress.Update(entry.sequence - from + 1);
        RememberGrant(codec, entry, grants);
        if (entry.kind != gate::kActionEvaluated &&
            entry.kind != gate::kActionRejected) {
          return true;
        }
        if (!entry.payload) {
          ++counts.pruned;
          return true;
        }
        auto line = RecordedActionFor(**ledger, codec, entry, &grants);
        if (!line.ok()) {
          problem = absl::DataLossError(
              absl::StrCat("entry ", entry.sequence,
                           " does not decode: ", line.status().message()));
          return false;
        }
        if (!line->has_value()) return true;
        if (binary) {
          replay::v1::RecordedAction proto;
          codec::RecordedActionToProto(**line, &proto);
          if (!google::protobuf::util::SerializeDelimitedToOstream(proto,
                                                                   &io.out)) {
            problem = absl::UnavailableError("cannot write the recording");
            return false;
          }
        } else {
          io.out << codec::RecordingLine(json, **line) << "\n";
        }
        ++counts.lines;
        return true;
      });
  progress.Done();
  if (!read.ok()) {
    return Fail(io, absl::IsDataLoss(read) ? kExitFailed : kExitUsage,
                absl::StrCat(read.message(), absl::IsFailedPrecondition(read)
                                                 ? " (pass --master_key FILE)"
                                                 : ""));
  }
  if (!problem.ok()) return Fail(io, kExitFailed, problem.message());
  io.err << "exported " << counts.lines << " recorded action"
         << (counts.lines == 1 ? "" : "s") << " of tenant " << args.tenant
         << " (entries " << from << ".." << std::min(to, head->sequence) << ")";
  if (counts.pruned > 0) {
    io.err << "; " << counts.pruned
           << " decisions are left out: their payloads were pruned";
  }
  io.err << "\n";
  return kExitOk;
}

}  // namespace portcullis::cli
