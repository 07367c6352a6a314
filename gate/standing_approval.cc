#include "gate/standing_approval.h"

#include <algorithm>
#include <compare>
#include <variant>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/canonical_encoding.h"
#include "base/identifiers.h"
#include "gate/action_digest.h"
#include "gate/approval.h"

namespace portcullis::gate {
namespace {

constexpr absl::string_view kStandingDomain("portcullis/standing/v1\0", 23);
constexpr absl::string_view kRevocationDomain(
    "portcullis/standing-revocation/v1\0", 34);

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

bool Ordering(ConstraintOp op) {
  return op != ConstraintOp::kEq && op != ConstraintOp::kNe;
}

bool Holds(ConstraintOp op, std::strong_ordering c) {
  switch (op) {
    case ConstraintOp::kEq:
      return c == 0;
    case ConstraintOp::kNe:
      return c != 0;
    case ConstraintOp::kLt:
      return c < 0;
    case ConstraintOp::kLe:
      return c <= 0;
    case ConstraintOp::kGt:
      return c > 0;
    case ConstraintOp::kGe:
      return c >= 0;
  }
  return false;
}

bool Holds(const StandingConstraint& c, const policy::Value& actual) {
  if (actual.v.index() != c.value.v.index()) return false;
  if (const auto* s = std::get_if<std::string>(&actual.v)) {
    if (Ordering(c.op)) return false;
    return Holds(c.op, *s <=> std::get<std::string>(c.value.v));
  }
  if (const auto* i = std::get_if<int64_t>(&actual.v)) {
    return Holds(c.op, *i <=> std::get<int64_t>(c.value.v));
  }
  if (const auto* b = std::get_if<bool>(&actual.v)) {
    if (Ordering(c.op)) return false;
    return Holds(c.op, (*b == std::get<bool>(c.value.v))
                           ? std::strong_ordering::equal
                           : std::strong_ordering::less);
  }
  if (const auto* m = std::get_if<policy::Money>(&actual.v)) {
    const auto& want = std::get<policy::Money>(c.value.v);
    if (m->currency != want.currency) return false;
    return Holds(c.op, m->amount <=> want.amount);
  }
  return false;  // lists are never constrained
}

std::string ValueText(const policy::Value& v) {
  if (const auto* s = std::get_if<std::string>(&v.v)) {
    return absl::StrCat("\"", *s, "\"");
  }
  if (const auto* i = std::get_if<int64_t>(&v.v)) return absl::StrCat(*i);
  if (const auto* b = std::get_if<bool>(&v.v)) return *b ? "true" : "false";
  if (const auto* m = std::get_if<policy::Money>(&v.v)) {
    return absl::StrCat(m->amount.ToString(), " ", m->currency);
  }
  return "[list]";
}

}  // namespace

const char* ConstraintOpText(ConstraintOp op) {
  switch (op) {
    case ConstraintOp::kEq:
      return "==";
    case ConstraintOp::kNe:
      return "!=";
    case ConstraintOp::kLt:
      return "<";
    case ConstraintOp::kLe:
      return "<=";
    case ConstraintOp::kGt:
      return ">";
    case ConstraintOp::kGe:
      return ">=";
  }
  return "?";
}

absl::Status ValidateStandingId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxStandingIdLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "must be 1..", kMaxStandingIdLength, " characters; got ", id.size()));
  }
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  };
  if (!std::all_of(id.begin(), id.end(), allowed) || id[0] == '-' ||
      id[0] == '_') {
    return absl::InvalidArgumentError(
        "must be lowercase letters, digits, '-' and '_', starting with a "
        "letter or digit");
  }
  return absl::OkStatus();
}

absl::Status ValidateStandingApproval(const StandingApproval& a) {
  if (absl::Status s = ValidateTenantId(a.tenant); !s.ok()) {
    return Invalid("standing.tenant", s.message());
  }
  if (absl::Status s = ValidateStandingId(a.id); !s.ok()) {
    return Invalid("standing.id", s.message());
  }
  if (absl::Status s = ValidateToolName(a.tool); !s.ok()) {
    return Invalid("standing.tool", s.message());
  }
  if (a.constraints.size() > kMaxStandingConstraints) {
    return Invalid("standing.constraints",
                   absl::StrCat(a.constraints.size(), "; the limit is ",
                                kMaxStandingConstraints));
  }
  for (const StandingConstraint& c : a.constraints) {
    if (absl::Status s = ValidateArgumentName(c.argument); !s.ok()) {
      return Invalid("standing.constraints.argument", s.message());
    }
    const uint8_t op = static_cast<uint8_t>(c.op);
    if (op < 1 || op > 6) {
      return Invalid("standing.constraints.op", "unknown operator");
    }
    if (std::holds_alternative<policy::Value::List>(c.value.v)) {
      return Invalid("standing.constraints.value",
                     absl::StrCat("a list cannot constrain ", c.argument));
    }
  }
  if (a.not_before == absl::InfinitePast() ||
      a.not_after == absl::InfiniteFuture() || a.not_after <= a.not_before) {
    return Invalid("standing.not_after",
                   "the window must be finite and end after it begins");
  }
  if (a.max_uses < 1 || a.max_uses > kMaxStandingUses) {
    return Invalid("standing.max_uses",
                   absl::StrCat("must be 1..", kMaxStandingUses));
  }
  if (absl::Status s = ValidateAgentId(a.approver_id); !s.ok()) {
    return Invalid("standing.approver_id", s.message());
  }
  if (a.comment.size() > kMaxCommentBytes) {
    return Invalid("standing.comment",
                   absl::StrCat(a.comment.size(), " bytes; the limit is ",
                                kMaxCommentBytes));
  }
  return absl::OkStatus();
}

absl::Status ValidateStandingRevocation(const StandingRevocation& r) {
  if (absl::Status s = ValidateTenantId(r.tenant); !s.ok()) {
    return Invalid("revocation.tenant", s.message());
  }
  if (absl::Status s = ValidateStandingId(r.id); !s.ok()) {
    return Invalid("revocation.id", s.message());
  }
  if (absl::Status s = ValidateAgentId(r.approver_id); !s.ok()) {
    return Invalid("revocation.approver_id", s.message());
  }
  if (r.reason.size() > kMaxCommentBytes) {
    return Invalid("revocation.reason",
                   absl::StrCat(r.reason.size(), " bytes; the limit is ",
                                kMaxCommentBytes));
  }
  return absl::OkStatus();
}

std::string CanonicalStandingMessage(const StandingApproval& a) {
  CanonicalWriter w;
  w.Fixed(kStandingDomain);
  w.String(a.tenant);
  w.String(a.id);
  w.String(a.tool);
  w.U32(static_cast<uint32_t>(a.constraints.size()));
  for (const StandingConstraint& c : a.constraints) {
    w.String(c.argument);
    w.Byte(static_cast<uint8_t>(c.op));
    EncodeArgumentValue(c.value, w);
  }
  w.I64(absl::ToUnixNanos(a.not_before));
  w.I64(absl::ToUnixNanos(a.not_after));
  w.U32(a.max_uses);
  w.String(a.approver_id);
  w.String(a.comment);
  return w.Release();
}

std::string CanonicalRevocationMessage(const StandingRevocation& r) {
  CanonicalWriter w;
  w.Fixed(kRevocationDomain);
  w.String(r.tenant);
  w.String(r.id);
  w.String(r.approver_id);
  w.String(r.reason);
  return w.Release();
}

std::string SignStanding(const StandingApproval& standing,
                         const crypto::SigningKey& key) {
  return key.Sign(CanonicalStandingMessage(standing));
}

bool VerifyStandingSignature(const StandingApproval& standing,
                             absl::string_view signature,
                             const crypto::VerifyingKey& key) {
  return key.Verify(CanonicalStandingMessage(standing), signature);
}

std::string SignRevocation(const StandingRevocation& revocation,
                           const crypto::SigningKey& key) {
  return key.Sign(CanonicalRevocationMessage(revocation));
}

bool VerifyRevocationSignature(const StandingRevocation& revocation,
                               absl::string_view signature,
                               const crypto::VerifyingKey& key) {
  return key.Verify(CanonicalRevocationMessage(revocation), signature);
}

absl::Status CheckConstraintTypes(const StandingApproval& standing,
                                  const policy::ToolInfo& tool) {
  for (const StandingConstraint& c : standing.constraints) {
    auto arg = std::find_if(tool.arguments.begin(), tool.arguments.end(),
                            [&](const policy::ToolArgumentInfo& a) {
                              return a.name == c.argument;
                            });
    auto invalid = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("constraint ", DescribeConstraint(c), ": ", why));
    };
    if (arg == tool.arguments.end()) {
      return invalid(
          absl::StrCat("tool ", tool.name, " has no argument ", c.argument));
    }
    const std::string& type = arg->type;
    bool fits = false;
    if (type == "string") {
      fits = std::holds_alternative<std::string>(c.value.v);
    } else if (type == "int") {
      fits = std::holds_alternative<int64_t>(c.value.v);
    } else if (type == "bool") {
      fits = std::holds_alternative<bool>(c.value.v);
    } else if (absl::StartsWith(type, "money(")) {
      const auto* m = std::get_if<policy::Money>(&c.value.v);
      fits = m != nullptr && type == absl::StrCat("money(", m->currency, ")");
    } else if (absl::StartsWith(type, "enum(")) {
      const auto* s = std::get_if<std::string>(&c.value.v);
      // "enum(a, b, c)": the member must be one of them.
      if (s != nullptr) {
        const std::string inner = type.substr(5, type.size() - 6);
        for (absl::string_view member : absl::StrSplit(inner, ", ")) {
          if (member == *s) fits = true;
        }
      }
    } else {
      return invalid(
          absl::StrCat("arguments of type ", type, " cannot be constrained"));
    }
    if (!fits) {
      return invalid(absl::StrCat("the value does not fit ", c.argument,
                                  "'s type ", type));
    }
    if (Ordering(c.op) && type != "int" && !absl::StartsWith(type, "money(")) {
      return invalid(
          absl::StrCat(ConstraintOpText(c.op), " needs an int or money"));
    }
  }
  return absl::OkStatus();
}

bool ConstraintsHold(const StandingApproval& standing,
                     const policy::Action& action) {
  for (const StandingConstraint& c : standing.constraints) {
    auto it = action.arguments.find(c.argument);
    if (it == action.arguments.end() || !Holds(c, it->second)) return false;
  }
  return true;
}

std::string DescribeConstraint(const StandingConstraint& c) {
  return absl::StrCat(c.argument, " ", ConstraintOpText(c.op), " ",
                      ValueText(c.value));
}

bool SatisfiesAlone(absl::Span<const std::string> roles,
                    absl::Span<const policy::ApprovalRequirement> required) {
  for (const policy::ApprovalRequirement& r : required) {
    if (r.quorum != 1) return false;
    if (r.roles.empty()) continue;
    bool held = std::any_of(r.roles.begin(), r.roles.end(), [&](const auto& w) {
      return std::find(roles.begin(), roles.end(), w) != roles.end();
    });
    if (!held) return false;
  }
  return true;
}

policy::RuleCitation StandingCitation(absl::string_view id,
                                      absl::string_view approver) {
  return {absl::StrCat(kStandingCitationPrefix, id),
          absl::StrCat("standing approval ", id, " by ", approver)};
}

void AllowByStanding(policy::RuleCitation citation, std::string reason,
                     policy::Verdict& verdict) {
  verdict.outcome = policy::Outcome::kAllow;
  verdict.approvals.clear();
  verdict.decided_by.insert(verdict.decided_by.begin(), std::move(citation));
  verdict.reasons.insert(verdict.reasons.begin(), std::move(reason));
}

}  // namespace portcullis::gate
