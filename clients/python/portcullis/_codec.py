"""Translation between the package's dataclasses and the generated proto
messages. Holds no logic of its own beyond the mapping."""

from __future__ import annotations

import datetime
from typing import Any, Optional

from google.protobuf import duration_pb2, timestamp_pb2  # type: ignore[import]

from portcullis import _stubs
from portcullis.action import Action, ActionContext, ArgumentValue, RunMode
from portcullis.money import Money
from portcullis.results import (
    ApprovalRequirement, ApprovalVote, Decision, Execution, Outcome, PendingApproval,
    PendingEvent, PendingEventKind, PolicyRef, Receipt, RuleRef, ToolResponse, Verdict)
from portcullis.signing import Approval
from portcullis.standing import (
    Constraint, ConstraintOp, StandingApproval, StandingRevocation, StandingStatus)

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def pb() -> Any:
    """The generated modules (see _stubs.load)."""
    return _stubs.load()


# --- to the wire -----------------------------------------------------------

def _value_to_proto(value: ArgumentValue, out: Any) -> None:
    if isinstance(value, bool):
        out.bool_value = value
    elif isinstance(value, str):
        out.string_value = value
    elif isinstance(value, int):
        out.int_value = value
    elif isinstance(value, Money):
        out.money_value.amount = value.wire_amount
        out.money_value.currency = value.currency
    elif isinstance(value, tuple):
        out.list_value.SetInParent()  # an empty list is still a list
        for item in value:
            _value_to_proto(item, out.list_value.values.add())
    else:  # Action.__post_init__ admits nothing else
        raise TypeError(f"not an argument value: {type(value).__name__}")


def action_to_proto(action: Action) -> Any:
    message = pb().action.Action(tenant=action.tenant, agent=action.agent,
                                 tool=action.tool, idempotency_key=action.idempotency_key)
    for name, value in action.arguments.items():
        _value_to_proto(value, message.arguments[name])
    context = action.context
    if context.confidence is not None:
        message.context.confidence = context.confidence
    message.context.run_mode = context.run_mode.value
    message.context.request_id = context.request_id
    message.context.correlation_id = context.correlation_id
    message.context.session_id = context.session_id
    return message


def approval_to_proto(approval: Approval) -> Any:
    message = pb().gate.Approval(
        tenant=approval.tenant, decision_id=approval.decision_id,
        action_digest=approval.action_digest, verdict=approval.verdict.value,
        expires_at=timestamp_from_nanos(approval.expires_at_ns),
        approver_id=approval.approver_id, comment=approval.comment)
    if approval.amendment is not None:
        message.amendment.tool = approval.amendment.tool
        message.amendment.rule = approval.amendment.rule
        message.amendment.rationale = approval.amendment.rationale
    return message


def standing_to_proto(standing: StandingApproval) -> Any:
    message = pb().gate.StandingApproval(
        tenant=standing.tenant, id=standing.id, tool=standing.tool,
        not_before=timestamp_from_nanos(standing.not_before_ns),
        not_after=timestamp_from_nanos(standing.not_after_ns),
        max_uses=standing.max_uses, approver_id=standing.approver_id,
        comment=standing.comment)
    for c in standing.constraints:
        constraint = message.constraints.add(argument=c.argument, op=c.op.value)
        _value_to_proto(c.value, constraint.value)
    return message


def revocation_to_proto(revocation: StandingRevocation) -> Any:
    return pb().gate.StandingRevocation(
        tenant=revocation.tenant, id=revocation.id, approver_id=revocation.approver_id,
        reason=revocation.reason)


def timestamp_from_nanos(nanos: int) -> Any:
    return timestamp_pb2.Timestamp(seconds=nanos // 1_000_000_000, nanos=nanos % 1_000_000_000)


def duration_from_seconds(seconds: float) -> Any:
    whole = int(seconds)
    return duration_pb2.Duration(seconds=whole, nanos=int(round((seconds - whole) * 1e9)))


# --- from the wire ---------------------------------------------------------

def _time(message: Any, field: str) -> Optional[datetime.datetime]:
    if not message.HasField(field):
        return None
    stamp = getattr(message, field)
    return _EPOCH + datetime.timedelta(seconds=stamp.seconds, microseconds=stamp.nanos // 1000)


def _value_from_proto(value: Any) -> ArgumentValue:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return str(value.string_value)
    if kind == "int_value":
        return int(value.int_value)
    if kind == "bool_value":
        return bool(value.bool_value)
    if kind == "money_value":
        return Money(value.money_value.amount, value.money_value.currency)
    if kind == "list_value":
        return tuple(_value_from_proto(item) for item in value.list_value.values)
    raise ValueError("the gate sent an argument value with no kind")


def action_from_proto(message: Any) -> Action:
    context = message.context
    return Action(
        tenant=message.tenant, agent=message.agent, tool=message.tool,
        arguments={name: _value_from_proto(value) for name, value in message.arguments.items()},
        idempotency_key=message.idempotency_key,
        context=ActionContext(
            confidence=context.confidence if context.HasField("confidence") else None,
            run_mode=RunMode(context.run_mode) if context.run_mode in (0, 1, 2)
            else RunMode.UNSPECIFIED,
            request_id=context.request_id, correlation_id=context.correlation_id,
            session_id=context.session_id))


def _outcome(value: int) -> Outcome:
    # OUTCOME_UNSPECIFIED (or anything unknown) must be treated as DENY.
    return Outcome(value) if value in (1, 2, 3) else Outcome.DENY


def decision_from_proto(message: Any) -> Decision:
    return Decision(
        decision_id=message.decision_id,
        outcome=_outcome(message.outcome),
        reasons=tuple(message.reasons),
        rules=tuple(RuleRef(r.id, r.description) for r in message.decided_by),
        policy=PolicyRef(message.policy.version, message.policy.content_hash)
        if message.HasField("policy") else None,
        action_digest=bytes(message.action_digest),
        tenant=message.tenant,
        ledger_sequence=message.ledger_sequence,
        decided_at=_time(message, "decided_at"),
        expires_at=_time(message, "expires_at"),
        approvals=tuple(
            ApprovalRequirement(
                rule_id=a.rule_id, roles=tuple(a.roles), quorum=a.quorum,
                expires_at=_time(a, "expires_at"), escalates_at=_time(a, "escalates_at"),
                escalation_roles=tuple(a.escalation_roles))
            for a in message.approvals))


def pending_from_proto(message: Any) -> PendingApproval:
    return PendingApproval(
        decision=decision_from_proto(message.decision),
        action=action_from_proto(message.action),
        votes=tuple(ApprovalVote(v.approver_id, Verdict(v.verdict) if v.verdict in (1, 2)
                                 else Verdict.DENY, v.comment, _time(v, "recorded_at"))
                    for v in message.votes),
        escalated=message.escalated,
        requested_by=message.requested_by)


def event_from_proto(message: Any) -> PendingEvent:
    return PendingEvent(
        kind=PendingEventKind(message.kind),
        pending=pending_from_proto(message.pending),
        decision=decision_from_proto(message.decision)
        if message.HasField("decision") else None)


def execution_from_proto(message: Any) -> Execution:
    r = message.receipt
    executed_ns = r.executed_at.seconds * 1_000_000_000 + r.executed_at.nanos
    receipt = Receipt(
        tenant=r.tenant, decision_id=r.decision_id, action_digest=bytes(r.action_digest),
        tool=r.tool, idempotency_key=r.idempotency_key,
        executed_at=_time(r, "executed_at"), executed_at_ns=executed_ns,
        ledger_sequence=r.ledger_sequence, key_id=r.key_id, signature=bytes(r.signature))
    tool = None
    if message.HasField("tool_response"):
        t = message.tool_response
        tool = ToolResponse(called=t.called, http_status=t.http_status,
                            content_type=t.content_type, body=bytes(t.body), error=t.error)
    return Execution(receipt=receipt, tool_response=tool)


def standing_from_proto(message: Any) -> StandingStatus:
    a = message.approval
    constraints = tuple(
        Constraint(c.argument, ConstraintOp(c.op), _value_from_proto(c.value))
        for c in a.constraints)
    approval = StandingApproval(
        tenant=a.tenant, id=a.id, tool=a.tool, constraints=constraints,
        not_before=_time(a, "not_before") or _EPOCH, not_after=_time(a, "not_after") or _EPOCH,
        max_uses=a.max_uses, approver_id=a.approver_id, comment=a.comment)
    return StandingStatus(approval=approval, uses=message.uses, revoked=message.revoked,
                          revoked_by=message.revoked_by, ledger_sequence=message.ledger_sequence)
