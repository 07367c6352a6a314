#include "cli/standing_commands.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/action_flags.h"
#include "cli/gate_client.h"
#include "codec/approval_codec.h"
#include "crypto/key_file.h"
#include "gate/standing_approval.h"

namespace portcullis::cli {
namespace {

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

int Usage(CommandIo& io, absl::string_view command, absl::string_view what) {
  return Complain(io, command, what, kExitUsage);
}

void PrintStanding(const gate::StandingApproval& s, std::ostream& out) {
  out << s.id << "  " << s.tool << " for " << s.tenant << ", by "
      << s.approver_id << "\n";
  if (s.constraints.empty()) out << "  every action of the tool\n";
  for (const gate::StandingConstraint& c : s.constraints) {
    out << "  when " << gate::DescribeConstraint(c) << "\n";
  }
  out << "  from " << TimeText(s.not_before) << " until "
      << TimeText(s.not_after) << ", at most " << s.max_uses << " uses\n";
  if (!s.comment.empty()) out << "  comment: " << s.comment << "\n";
}

}  // namespace

absl::StatusOr<v1::StandingConstraint> ParseConstraint(absl::string_view text) {
  const size_t at = text.find_first_of("<>=!");
  if (at == absl::string_view::npos || at == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "constraint \"", text,
        "\": write NAME OP VALUE, with OP one of == != < <= > >="));
  }
  static const std::pair<const char*, v1::ConstraintOp> kOps[] = {
      {"==", v1::CONSTRAINT_OP_EQ}, {"!=", v1::CONSTRAINT_OP_NE},
      {"<=", v1::CONSTRAINT_OP_LE}, {">=", v1::CONSTRAINT_OP_GE},
      {"<", v1::CONSTRAINT_OP_LT},  {">", v1::CONSTRAINT_OP_GT},
  };
  absl::string_view rest = text.substr(at);
  for (const auto& [spelling, op] : kOps) {
    if (!absl::StartsWith(rest, spelling)) continue;
    absl::string_view value = absl::StripAsciiWhitespace(
        rest.substr(absl::string_view(spelling).size()));
    if (value.empty()) break;
    v1::StandingConstraint c;
    c.set_argument(std::string(absl::StripAsciiWhitespace(text.substr(0, at))));
    c.set_op(op);
    *c.mutable_value() = ParseArgumentValue(value);
    return c;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("constraint \"", text,
                   "\": write NAME OP VALUE, with OP one of == != < <= > >="));
}

int RunGrantStanding(const GrantStandingArgs& args, const Clock& clock,
                     std::istream& in, bool in_is_terminal, CommandIo& io) {
  constexpr absl::string_view kCommand = "approvals grant-standing";
  if (args.tenant.empty() || args.id.empty() || args.tool.empty() ||
      args.key_file.empty() || args.approver.empty() || args.max_uses == 0) {
    return Usage(io, kCommand,
                 "give --tenant, --id, --tool, --max_uses, --key FILE and "
                 "--approver");
  }
  if (args.window <= absl::ZeroDuration()) {
    return Usage(io, kCommand, "--window must be positive");
  }
  if (!args.yes && !in_is_terminal) {
    return Usage(io, kCommand,
                 "standard input is not a terminal, so nobody can be asked; "
                 "pass --yes to sign without asking");
  }
  v1::StandingApproval proto;
  for (const std::string& text : args.constraints) {
    absl::StatusOr<v1::StandingConstraint> c = ParseConstraint(text);
    if (!c.ok()) return Usage(io, kCommand, c.status().message());
    *proto.add_constraints() = *std::move(c);
  }
  absl::StatusOr<crypto::SigningKey> key =
      crypto::ReadSigningKeyFile(args.key_file);
  if (!key.ok()) return Usage(io, kCommand, key.status().message());
  const absl::Time now =
      absl::FromUnixSeconds(absl::ToUnixSeconds(clock.Now()));
  proto.set_tenant(args.tenant);
  proto.set_id(args.id);
  proto.set_tool(args.tool);
  proto.mutable_not_before()->set_seconds(absl::ToUnixSeconds(now));
  proto.mutable_not_after()->set_seconds(
      absl::ToUnixSeconds(now + args.window));
  proto.set_max_uses(args.max_uses);
  proto.set_approver_id(args.approver);
  proto.set_comment(args.comment);
  absl::StatusOr<gate::StandingApproval> standing =
      codec::StandingFromProto(proto);
  if (!standing.ok()) return Usage(io, kCommand, standing.status().message());
  if (absl::Status s = gate::ValidateStandingApproval(*standing); !s.ok()) {
    return Usage(io, kCommand, s.message());
  }
  io.out << "granting a standing approval:\n";
  PrintStanding(*standing, io.out);
  if (!args.yes) {
    io.out << "sign this standing approval? [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(in, answer)) answer.clear();
    answer = absl::AsciiStrToLower(absl::StripAsciiWhitespace(answer));
    if (answer != "y" && answer != "yes") {
      io.out << "nothing signed\n";
      return kExitFailed;
    }
  }
  v1::GrantStandingRequest request;
  codec::StandingToProto(*standing, request.mutable_standing());
  request.set_signature(gate::SignStanding(*standing, *key));
  GateClient client(args.gate.empty() ? kDefaultGateAddress : args.gate,
                    args.token);
  v1::GrantStandingResponse response;
  absl::Status s = client.Check(
      client.gate().GrantStanding(client.Context().get(), request, &response));
  if (!s.ok()) return GateRefused(io, kCommand, s);
  io.out << "granted; recorded at ledger entry "
         << response.standing().ledger_sequence() << "\n";
  return kExitOk;
}

int RunRevokeStanding(const RevokeStandingArgs& args, CommandIo& io) {
  constexpr absl::string_view kCommand = "approvals revoke-standing";
  if (args.tenant.empty() || args.id.empty() || args.key_file.empty() ||
      args.approver.empty()) {
    return Usage(io, kCommand,
                 "give --tenant, --id, --key FILE and --approver");
  }
  absl::StatusOr<crypto::SigningKey> key =
      crypto::ReadSigningKeyFile(args.key_file);
  if (!key.ok()) return Usage(io, kCommand, key.status().message());
  gate::StandingRevocation revocation{args.tenant, args.id, args.approver,
                                      args.reason};
  if (absl::Status s = gate::ValidateStandingRevocation(revocation); !s.ok()) {
    return Usage(io, kCommand, s.message());
  }
  v1::RevokeStandingRequest request;
  codec::RevocationToProto(revocation, request.mutable_revocation());
  request.set_signature(gate::SignRevocation(revocation, *key));
  GateClient client(args.gate.empty() ? kDefaultGateAddress : args.gate,
                    args.token);
  v1::RevokeStandingResponse response;
  absl::Status s = client.Check(
      client.gate().RevokeStanding(client.Context().get(), request, &response));
  if (!s.ok()) return GateRefused(io, kCommand, s);
  io.out << "revoked " << args.id << " after " << response.standing().uses()
         << " uses\n";
  return kExitOk;
}

int RunListStanding(const ListStandingArgs& args, CommandIo& io) {
  constexpr absl::string_view kCommand = "approvals list-standing";
  if (args.tenant.empty()) return Usage(io, kCommand, "--tenant is required");
  GateClient client(args.gate.empty() ? kDefaultGateAddress : args.gate,
                    args.token);
  v1::ListStandingRequest request;
  request.set_tenant(args.tenant);
  v1::ListStandingResponse response;
  absl::Status s = client.Check(
      client.gate().ListStanding(client.Context().get(), request, &response));
  if (!s.ok()) return GateRefused(io, kCommand, s);
  if (args.json) return PrintJson(io, kCommand, response);
  if (response.standing().empty()) {
    io.out << "no standing approvals for " << args.tenant << "\n";
  }
  for (const v1::StandingStatus& st : response.standing()) {
    absl::StatusOr<gate::StandingApproval> a =
        codec::StandingFromProto(st.approval());
    if (!a.ok()) return GateRefused(io, kCommand, a.status());
    PrintStanding(*a, io.out);
    io.out << "  used " << st.uses() << " of " << a->max_uses
           << (st.revoked() ? ", revoked by " + st.revoked_by() : "") << "\n";
  }
  return kExitOk;
}

}  // namespace portcullis::cli
