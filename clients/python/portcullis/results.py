"""What the gate answers, as immutable dataclasses: decisions, the rules
that decided, approval requirements, pending requests, execution receipts.

Built from the gate's messages by the client (``portcullis._codec``); a user
reads them and never builds them.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass
from typing import Optional, Tuple

from portcullis.action import Action

__all__ = [
    "Outcome", "RuleRef", "PolicyRef", "ApprovalRequirement", "Decision",
    "Verdict", "ApprovalVote", "PendingApproval", "PendingEventKind", "PendingEvent",
    "ApprovalResult", "Receipt", "ToolResponse", "Execution", "ExecutionOutcome",
    "DeclaredArgument", "DeclaredTool", "ToolList",
]


class Outcome(enum.Enum):
    """The gate's answer. An unset outcome from the wire reads as DENY, as
    the API requires of clients."""

    ALLOW = 1
    DENY = 2
    PENDING_APPROVAL = 3


class Verdict(enum.Enum):
    """An approver's verdict (proto ``ApprovalVerdict``)."""

    APPROVE = 1
    DENY = 2


class ExecutionOutcome(enum.Enum):
    """How an executed action turned out (proto ``ExecutionOutcome``)."""

    SUCCEEDED = 1
    FAILED = 2


@dataclass(frozen=True)
class RuleRef:
    """A policy rule that took part in a decision: its id as written in the
    policy (built-in rules start with "builtin:") and its description."""

    id: str
    description: str


@dataclass(frozen=True)
class PolicyRef:
    """The policy that decided: its declared version and content hash."""

    version: str
    content_hash: str


@dataclass(frozen=True)
class ApprovalRequirement:
    """One approval rule's demand on a pending action."""

    rule_id: str
    roles: Tuple[str, ...]
    quorum: int
    expires_at: Optional[datetime.datetime]
    escalates_at: Optional[datetime.datetime]
    escalation_roles: Tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    """The gate's decision on one action, already durable on its ledger.

    ``rules`` are the rules that decided (proto ``decided_by``), ``reasons``
    the sentences a person can act on, ``ledger_sequence`` the sequence of
    the ledger entry that records it.
    """

    decision_id: str
    outcome: Outcome
    reasons: Tuple[str, ...]
    rules: Tuple[RuleRef, ...]
    policy: Optional[PolicyRef]
    action_digest: bytes
    tenant: str
    ledger_sequence: int
    decided_at: Optional[datetime.datetime]
    expires_at: Optional[datetime.datetime]
    approvals: Tuple[ApprovalRequirement, ...]

    @property
    def rule_ids(self) -> Tuple[str, ...]:
        """The ids of the rules that decided, e.g. ("coupon-cap",)."""
        return tuple(rule.id for rule in self.rules)

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOW

    @property
    def denied(self) -> bool:
        return self.outcome is Outcome.DENY

    @property
    def pending(self) -> bool:
        return self.outcome is Outcome.PENDING_APPROVAL


@dataclass(frozen=True)
class ApprovalVote:
    """One approver's recorded verdict on a pending request."""

    approver_id: str
    verdict: Verdict
    comment: str
    recorded_at: Optional[datetime.datetime]


@dataclass(frozen=True)
class PendingApproval:
    """A request waiting for approval: the decision with its requirements,
    the action that would run (show it to the approver, who signs its
    digest), the verdicts so far and who asked."""

    decision: Decision
    action: Action
    votes: Tuple[ApprovalVote, ...]
    escalated: bool
    requested_by: str


class PendingEventKind(enum.Enum):
    """What happened to a pending request (proto ``PendingEvent.Kind``)."""

    ADDED = 1
    UPDATED = 2
    RESOLVED = 3
    # A request another replica holds is no longer listed by it (decided or
    # expired there, or that replica stopped sharing): no decision is known
    # here. Sent only when the replicas of a gate share their approvals.
    REMOVED = 4


@dataclass(frozen=True)
class PendingEvent:
    """One event of ``Gate.watch_pending``. ``decision`` is the final
    decision for RESOLVED, else None."""

    kind: PendingEventKind
    pending: PendingApproval
    decision: Optional[Decision]


@dataclass(frozen=True)
class ApprovalResult:
    """The answer to an approval: the decision as it now stands, and the
    request while it is still pending (quorum not met yet), else None.
    ``proposal_id`` is the id an amendment proposed with it was recorded
    under (16 hex characters, for ``portcullis policy amend --proposal
    ID``); None without one."""

    decision: Decision
    pending: Optional[PendingApproval]
    proposal_id: Optional[str] = None


@dataclass(frozen=True)
class Receipt:
    """Proof, signed by the gate, that an action was granted and executed
    (docs/receipts.md). ``executed_at_ns`` is the exact signed instant;
    ``executed_at`` the same to the microsecond."""

    tenant: str
    decision_id: str
    action_digest: bytes
    tool: str
    idempotency_key: str
    executed_at: Optional[datetime.datetime]
    executed_at_ns: int
    ledger_sequence: int
    key_id: str
    signature: bytes


@dataclass(frozen=True)
class ToolResponse:
    """What a tool bound to a connector answered the gate (secrets redacted).
    ``called`` is False when the tool has no connector."""

    called: bool
    http_status: int
    content_type: str
    body: bytes
    error: str


@dataclass(frozen=True)
class Execution:
    """The result of ``Gate.execute``: the signed receipt and, when the gate
    called the tool itself through a connector, its answer."""

    receipt: Receipt
    tool_response: Optional[ToolResponse]


@dataclass(frozen=True)
class DeclaredArgument:
    """One argument a declared tool takes, its type as the policy writes it
    (``"string"``, ``"money(SAR)"``, ``"list(of string)"``…)."""

    name: str
    type: str
    optional: bool


@dataclass(frozen=True)
class DeclaredTool:
    """A tool the tenant's policy declares; its arguments sorted by name."""

    name: str
    arguments: Tuple[DeclaredArgument, ...]


@dataclass(frozen=True)
class ToolList:
    """The result of ``Gate.list_tools``: the tools sorted by name, and the
    policy they come from (its version and hash change with a reload)."""

    tools: Tuple[DeclaredTool, ...]
    policy_version: str
    policy_hash: str

    def names(self) -> Tuple[str, ...]:
        return tuple(tool.name for tool in self.tools)
