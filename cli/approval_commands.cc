#include "cli/approval_commands.h"

#include <functional>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/decision_text.h"
#include "cli/gate_client.h"
#include "codec/approval_codec.h"
#include "crypto/key_file.h"
#include "gate/approval.h"

namespace portcullis::cli {
namespace {

void PrintPending(const v1::PendingApproval& p, std::ostream& out) {
  const v1::Decision& d = p.decision();
  const v1::Action& a = p.action();
  out << d.decision_id() << "  " << a.tool() << " by " << a.agent() << " for "
      << a.tenant() << ", requested " << TimeText(d.decided_at())
      << (p.requested_by().empty() ? "" : " by " + p.requested_by()) << "\n";
  PrintArguments(a, out);
  for (const v1::ApprovalRequirement& r : d.approvals()) {
    out << "  needs " << RequirementText(r) << "\n";
  }
  for (const v1::ApprovalVote& v : p.votes()) {
    out << "  " << v.approver_id() << " "
        << (v.verdict() == v1::APPROVAL_VERDICT_APPROVE ? "approved" : "denied")
        << (v.comment().empty() ? "" : ": " + v.comment()) << "\n";
  }
  if (p.escalated()) out << "  escalated\n";
  out << "  action digest " << absl::BytesToHexString(d.action_digest())
      << "\n";
}

// Asks whether to sign; true only for an answer of y or yes.
bool Confirmed(bool approve, std::istream& in, CommandIo& io) {
  io.out << (approve ? "sign this approval? [y/N] "
                     : "sign this refusal? [y/N] ")
         << std::flush;
  std::string answer;
  if (!std::getline(in, answer)) return false;
  answer = absl::AsciiStrToLower(absl::StripAsciiWhitespace(answer));
  return answer == "y" || answer == "yes";
}

int Usage(CommandIo& io, absl::string_view command, absl::string_view what) {
  return Complain(io, command, what, kExitUsage);
}

// Calls `visit` with each of the tenant's open requests, oldest first,
// following ListPending's pages to the end; stops early, with OK, when
// `visit` returns false. Returns the gate's refusal, if any.
absl::Status ForEachPending(
    GateClient& client, const std::string& tenant,
    const std::function<bool(const v1::PendingApproval&)>& visit) {
  v1::ListPendingRequest request;
  request.set_tenant(tenant);
  for (;;) {
    v1::ListPendingResponse response;
    absl::Status s = client.Check(
        client.gate().ListPending(client.Context().get(), request, &response));
    if (!s.ok()) return s;
    for (const v1::PendingApproval& p : response.pending()) {
      if (!visit(p)) return absl::OkStatus();
    }
    if (response.next_page_token().empty()) return absl::OkStatus();
    request.set_page_token(response.next_page_token());
  }
}

}  // namespace

int RunApprovalsList(const ApprovalsListArgs& args, CommandIo& io) {
  constexpr absl::string_view kCommand = "approvals list";
  if (args.tenant.empty()) return Usage(io, kCommand, "--tenant is required");
  GateClient client(args.gate.empty() ? kDefaultGateAddress : args.gate,
                    args.token);
  size_t listed = 0;
  v1::ListPendingResponse all;
  absl::Status s =
      ForEachPending(client, args.tenant, [&](const v1::PendingApproval& p) {
        if (args.json) {
          *all.add_pending() = p;
        } else {
          PrintPending(p, io.out);
        }
        ++listed;
        return true;
      });
  if (!s.ok()) return GateRefused(io, kCommand, s);
  if (args.json) return PrintJson(io, kCommand, all);
  if (listed == 0) {
    io.out << "no pending approvals for " << args.tenant << "\n";
  }
  return kExitOk;
}

int RunVerdict(const VerdictArgs& args, const Clock& clock, std::istream& in,
               bool in_is_terminal, CommandIo& io) {
  const std::string command = args.approve ? "approve" : "deny";
  if (args.decision_id.empty() || args.tenant.empty() ||
      args.key_file.empty() || args.approver.empty()) {
    return Usage(io, command,
                 "give the decision id, --tenant, --key FILE and --approver");
  }
  if (!args.approve && args.comment.empty()) {
    return Usage(io, command, "--reason is required to deny");
  }
  if (!args.propose.empty() && args.rationale.empty()) {
    return Usage(io, command, "--rationale is required with --propose");
  }
  if (!args.yes && !in_is_terminal) {
    return Usage(io, command,
                 "standard input is not a terminal, so nobody can be asked; "
                 "pass --yes to sign without asking");
  }
  absl::StatusOr<crypto::SigningKey> key =
      crypto::ReadSigningKeyFile(args.key_file);
  if (!key.ok()) return Usage(io, command, key.status().message());

  GateClient client(args.gate.empty() ? kDefaultGateAddress : args.gate,
                    args.token);
  std::optional<v1::PendingApproval> found;
  absl::Status s =
      ForEachPending(client, args.tenant, [&](const v1::PendingApproval& p) {
        if (p.decision().decision_id() != args.decision_id) return true;
        found = p;
        return false;
      });
  if (!s.ok()) return GateRefused(io, command, s);
  if (!found.has_value()) {
    return GateRefused(
        io, command,
        absl::NotFoundError(absl::StrCat(
            "no pending request ", args.decision_id, " for ", args.tenant)));
  }
  // Show the person exactly what they are signing for.
  io.out << (args.approve ? "approving" : "denying") << ":\n";
  PrintPending(*found, io.out);
  if (!args.propose.empty()) {
    io.out << "  proposing for tool " << found->action().tool() << ": "
           << args.propose << "\n  because: " << args.rationale << "\n";
  }
  if (!args.yes && !Confirmed(args.approve, in, io)) {
    io.out << "nothing signed\n";
    return kExitFailed;
  }

  gate::Approval approval;
  approval.tenant = args.tenant;
  approval.decision_id = args.decision_id;
  approval.action_digest = found->decision().action_digest();
  approval.verdict = args.approve ? gate::ApprovalVerdict::kApprove
                                  : gate::ApprovalVerdict::kDeny;
  approval.expires_at = clock.Now() + args.valid_for;
  approval.approver_id = args.approver;
  approval.comment = args.comment;
  if (!args.propose.empty()) {
    approval.amendment = gate::AmendmentProposal{found->action().tool(),
                                                 args.propose, args.rationale};
  }
  v1::ApproveRequest request;
  codec::ApprovalToProto(approval, request.mutable_approval());
  request.set_signature(gate::SignApproval(approval, *key));
  v1::ApproveResponse response;
  s = client.Check(
      client.gate().Approve(client.Context().get(), request, &response));
  if (!s.ok()) return GateRefused(io, command, s);
  io.out << "recorded; the decision is now "
         << OutcomeText(response.decision().outcome()) << "\n";
  for (const std::string& reason : response.decision().reasons()) {
    io.out << "  " << reason << "\n";
  }
  if (!response.proposal_id().empty()) {
    io.out << "proposal recorded: " << response.proposal_id()
           << " (portcullis policy amend --proposal " << response.proposal_id()
           << ")\n";
  }
  return kExitOk;
}

int RunHalt(const HaltArgs& args, CommandIo& io) {
  const std::string command = args.halt ? "halt" : "resume";
  if (args.halt && args.reason.empty()) {
    return Usage(io, command, "--reason is required");
  }
  GateClient client(args.gate.empty() ? kDefaultGateAddress : args.gate,
                    args.token);
  absl::Status s;
  if (args.halt) {
    v1::HaltRequest request;
    request.set_tenant(args.tenant);
    request.set_reason(args.reason);
    v1::HaltResponse response;
    s = client.Check(
        client.admin().Halt(client.Context().get(), request, &response));
  } else {
    v1::ResumeRequest request;
    request.set_tenant(args.tenant);
    request.set_reason(args.reason);
    v1::ResumeResponse response;
    s = client.Check(
        client.admin().Resume(client.Context().get(), request, &response));
  }
  if (!s.ok()) return GateRefused(io, command, s);
  if (args.json) {
    google::protobuf::Struct result;
    SetString(result, "tenant", args.tenant);
    SetBool(result, "halted", args.halt);
    return PrintJson(io, command, result);
  }
  io.out << (args.tenant.empty() ? "the whole gate" : "tenant " + args.tenant)
         << (args.halt ? " is halted\n" : " is resumed\n");
  return kExitOk;
}

int RunReload(const ReloadArgs& args, CommandIo& io) {
  constexpr absl::string_view kCommand = "reload";
  GateClient client(args.gate.empty() ? kDefaultGateAddress : args.gate,
                    args.token);
  v1::ReloadResponse response;
  absl::Status s = client.Check(client.admin().Reload(
      client.Context().get(), v1::ReloadRequest(), &response));
  if (!s.ok()) return GateRefused(io, kCommand, s);
  if (args.json) return PrintJson(io, kCommand, response);
  io.out << "reloaded the policy, principals and approvers; policy version "
         << response.policy().version() << " is in force\n";
  return kExitOk;
}

}  // namespace portcullis::cli
