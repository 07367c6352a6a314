#include "cli/amend_command.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/identifiers.h"
#include "cli/policy_commands.h"
#include "cli/replay_export.h"
#include "cli/text_file.h"
#include "codec/proto_record_codec.h"
#include "gate/policy_loader.h"
#include "gate/records.h"
#include "gate/replay/replayer.h"
#include "policy/amendment.h"

namespace portcullis::cli {
namespace {

using gate::replay::RecordedAction;
using gate::replay::ReplayedDecision;

int Fail(CommandIo& io, int code, absl::string_view message) {
  io.err << "portcullis policy amend: " << message << "\n";
  return code;
}

std::vector<absl::string_view> Lines(absl::string_view text) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// Reads every entry of the tenant that has a payload, in order.
absl::Status ForEachEntry(const ledger::Ledger& ledger,
                          const std::string& tenant,
                          absl::FunctionRef<bool(const ledger::Entry&)> f) {
  return ledger.Read(tenant, 1, /*reverse=*/false,
                     [&](const ledger::Entry& entry) {
                       if (!entry.payload) return true;
                       return f(entry);
                     });
}

std::string Rules(const ReplayedDecision& d) {
  std::vector<std::string> ids;
  for (const policy::RuleCitation& r : d.decided_by) ids.push_back(r.id);
  return absl::StrJoin(ids, ", ");
}

// The decision `d` as a recording would hold it, to compare with another.
gate::replay::RecordedDecision AsRecorded(const ReplayedDecision& d) {
  gate::replay::RecordedDecision out;
  out.outcome = d.outcome;
  for (const policy::RuleCitation& r : d.decided_by) {
    out.decided_by.push_back(r.id);
  }
  return out;
}

// The tenant's "amendment.proposed" entry for args.proposal, and its
// decision id. NotFound when there is none, DataLoss when an entry does not
// decode.
absl::StatusOr<gate::AmendmentRecord> FindProposal(
    const ledger::Ledger& ledger, const gate::RecordCodec& codec,
    const PolicyAmendArgs& args, std::string* decision_id) {
  std::optional<gate::AmendmentRecord> found;
  absl::Status problem;
  absl::Status read =
      ForEachEntry(ledger, args.tenant, [&](const ledger::Entry& entry) {
        if (entry.kind != gate::kAmendmentProposed) return true;
        auto record = gate::DecodeAs<gate::AmendmentRecord>(codec, entry.kind,
                                                            *entry.payload);
        if (!record.ok()) {
          problem = absl::DataLossError(record.status().message());
          return false;
        }
        if (record->proposal_id != args.proposal) return true;
        found = *std::move(record);
        *decision_id = entry.decision_id;
        return false;
      });
  if (!read.ok()) return read;
  if (!problem.ok()) return problem;
  if (!found) {
    return absl::NotFoundError(absl::StrCat("no proposal ", args.proposal,
                                            " on tenant ", args.tenant,
                                            "'s ledger"));
  }
  return *std::move(found);
}

// Decides every recorded action of the tenant by `current` and by
// `candidate`, counting them in `actions` and describing in `changes` each
// decision that differs. DataLoss when an entry does not decode.
absl::Status ReplayChanges(const ledger::Ledger& ledger,
                           const gate::RecordCodec& codec,
                           const std::string& tenant,
                           const policy::CompiledPolicy& current,
                           const policy::CompiledPolicy& candidate,
                           uint64_t* actions,
                           std::vector<std::string>* changes) {
  gate::replay::Replayer before(current);
  gate::replay::Replayer after(candidate);
  StandingGrants grants;
  absl::Status problem;
  absl::Status read =
      ForEachEntry(ledger, tenant, [&](const ledger::Entry& entry) {
        RememberGrant(codec, entry, grants);
        if (entry.kind != gate::kActionEvaluated &&
            entry.kind != gate::kActionRejected) {
          return true;
        }
        auto line = RecordedActionFor(ledger, codec, entry, &grants);
        if (!line.ok()) {
          problem = absl::DataLossError(line.status().message());
          return false;
        }
        if (!line->has_value()) return true;
        const RecordedAction& recorded = **line;
        auto was = before.Replay(recorded);
        auto now = after.Replay(recorded);
        if (!was.ok() || !now.ok()) {
          problem = was.ok() ? now.status() : was.status();
          return false;
        }
        ++*actions;
        if (!gate::replay::DecisionChanged(AsRecorded(*was), *now)) return true;
        changes->push_back(absl::StrCat(
            "  ",
            recorded.decision_id.empty()
                ? absl::StrCat("entry ", recorded.ledger_sequence)
                : recorded.decision_id,
            "  ", gate::replay::ReplayOutcomeName(was->outcome), " (",
            Rules(*was), ") -> ", gate::replay::ReplayOutcomeName(now->outcome),
            " (", Rules(*now), ")"));
        return true;
      });
  if (!read.ok()) return read;
  return problem;
}

}  // namespace

std::string UnifiedDiff(absl::string_view path, absl::string_view before,
                        absl::string_view after) {
  if (before == after) return "";
  constexpr size_t kContext = 3;
  std::vector<absl::string_view> a = Lines(before), b = Lines(after);
  size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) {
    ++prefix;
  }
  size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    ++suffix;
  }
  const size_t lead = std::min(prefix, kContext);
  const size_t trail = std::min(suffix, kContext);
  const size_t start = prefix - lead;
  const size_t a_count = a.size() - prefix - suffix + lead + trail;
  const size_t b_count = b.size() - prefix - suffix + lead + trail;
  auto range = [](size_t start, size_t count) {
    // An empty range names the line before it, as diff -u does.
    return absl::StrCat(count == 0 ? start : start + 1, ",", count);
  };
  std::string out =
      absl::StrCat("--- a/", path, "\n+++ b/", path, "\n@@ -",
                   range(start, a_count), " +", range(start, b_count), " @@\n");
  for (size_t i = start; i < prefix; ++i) {
    absl::StrAppend(&out, " ", a[i], "\n");
  }
  for (size_t i = prefix; i < a.size() - suffix; ++i) {
    absl::StrAppend(&out, "-", a[i], "\n");
  }
  for (size_t i = prefix; i < b.size() - suffix; ++i) {
    absl::StrAppend(&out, "+", b[i], "\n");
  }
  for (size_t i = a.size() - suffix; i < a.size() - suffix + trail; ++i) {
    absl::StrAppend(&out, " ", a[i], "\n");
  }
  return out;
}

int RunPolicyAmend(const PolicyAmendArgs& args, CommandIo& io) {
  if (args.proposal.empty() || args.data_dir.empty() || args.policy.empty()) {
    return Fail(io, kExitUsage,
                "--proposal ID, --data DIR, --tenant T and --policy FILE|DIR "
                "are required");
  }
  if (absl::Status s = ValidateTenantId(args.tenant); !s.ok()) {
    return Fail(io, kExitUsage, absl::StrCat("--tenant: ", s.message()));
  }
  absl::StatusOr<gate::PolicyText> text = ReadPolicyText({args.policy});
  if (!text.ok()) return Fail(io, kExitUsage, text.status().message());
  gate::PolicyLoad in_force = gate::CompilePolicy(*text, absl::UnixEpoch());
  if (in_force.snapshot == nullptr) {
    return Fail(io, kExitUsage,
                absl::StrCat("the policy does not compile:\n",
                             absl::StrJoin(in_force.errors, "\n")));
  }
  auto ledger = OpenLedgerReadOnly(args.data_dir, args.master_key);
  if (!ledger.ok()) return Fail(io, kExitUsage, ledger.status().message());

  codec::ProtoRecordCodec codec;
  std::string decision_id;
  absl::StatusOr<gate::AmendmentRecord> found =
      FindProposal(**ledger, codec, args, &decision_id);
  if (!found.ok()) {
    return Fail(
        io,
        absl::IsDataLoss(found.status()) || absl::IsNotFound(found.status())
            ? kExitFailed
            : kExitUsage,
        found.status().message());
  }

  policy::AmendResult amended = policy::AmendPolicy(
      text->files, {args.tenant, found->proposal.tool, found->proposal.rule,
                    found->proposal_id});
  if (!amended.errors.empty()) {
    std::vector<std::string> errors;
    for (const policy::Diagnostic& d : amended.errors) {
      errors.push_back(d.ToString());
    }
    return Fail(io, kExitFailed,
                absl::StrCat("proposal ", found->proposal_id,
                             " does not compile with this policy:\n",
                             absl::StrJoin(errors, "\n")));
  }
  const policy::SourceFile& before = text->files[amended.amended_file];
  const policy::SourceFile& after = amended.files[amended.amended_file];
  if (!args.out.empty()) {
    absl::Status written = WriteTextFile(args.out, after.content);
    if (!written.ok()) return Fail(io, kExitUsage, written.message());
  } else {
    io.out << after.content;
  }
  std::ostream& report = args.out.empty() ? io.err : io.out;

  report << "proposal " << found->proposal_id << " by " << found->approver_id
         << " with decision " << decision_id << ": "
         << found->proposal.rationale << "\n";
  if (found->policy_hash != in_force.content_hash) {
    report << "note: it was checked against policy version "
           << found->policy_version << " (" << found->policy_hash.substr(0, 12)
           << "); --policy is version " << in_force.snapshot->version << " ("
           << in_force.content_hash.substr(0, 12) << ")\n";
  }
  report << UnifiedDiff(before.path, before.content, after.content);

  uint64_t actions = 0;
  std::vector<std::string> changes;
  absl::Status replayed =
      ReplayChanges(**ledger, codec, args.tenant, *in_force.snapshot->program,
                    *amended.policy, &actions, &changes);
  if (!replayed.ok()) {
    return Fail(io, absl::IsDataLoss(replayed) ? kExitFailed : kExitUsage,
                replayed.message());
  }
  report << "replayed " << actions << " recorded action"
         << (actions == 1 ? "" : "s") << " of tenant " << args.tenant << ": "
         << changes.size() << " decision" << (changes.size() == 1 ? "" : "s")
         << " would change with rule " << amended.rule_id << "\n";
  for (const std::string& change : changes) report << change << "\n";
  return kExitOk;
}

}  // namespace portcullis::cli
