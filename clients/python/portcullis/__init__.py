"""Portcullis: the Python client of the policy gate for AI agents.

    from decimal import Decimal
    from portcullis import Gate, Money, gated

    gate = Gate("unix:/run/portcullis/gate.sock", tenant="al-noor", agent="support-bot")

    @gated(gate)
    def create_coupon(customer_id: str, value: Money) -> str:
        ...

    create_coupon("c-77", Money(Decimal("20.00"), "SAR"))   # raises Denied over the cap

See docs/clients.md. The gRPC stubs are generated from proto/ (never
committed); ``portcullis._stubs`` says where they are found. Importing this
package does not need them: only ``Gate`` does.
"""

from portcullis.action import Action, ActionContext, RunMode
from portcullis.cancel import CancelToken
from portcullis.digest import action_digest, canonical_amount, canonical_encoding
from portcullis.errors import (
    AlreadyExecuted, AlreadyExists, ApprovalTimeout, Cancelled, DeadlineExceeded, Denied,
    FailedPrecondition, GateError, GateUnavailable, InvalidAction, NotFound, PermissionDenied,
    PortcullisError, ResourceExhausted, Unauthenticated)
from portcullis.gate import Gate, PendingWatch
from portcullis.guard import Grant, current_grant, gated, guard
from portcullis.money import Money
from portcullis.results import (
    ApprovalRequirement, ApprovalResult, ApprovalVote, DeclaredArgument, DeclaredTool, Decision,
    Execution, ExecutionOutcome, Outcome, PendingApproval, PendingEvent, PendingEventKind,
    PolicyRef, Receipt, RuleRef, ToolList, ToolResponse, Verdict)
from portcullis.signing import (
    AmendmentProposal, Approval, approval_message, load_signing_key, proposal_id, sign_approval,
    verify_receipt)
from portcullis.standing import (
    Constraint, ConstraintOp, StandingApproval, StandingRevocation, StandingStatus,
    revocation_message, sign_revocation, sign_standing, standing_message)

__all__ = [
    # the agent's side
    "Gate", "Action", "ActionContext", "RunMode", "Money", "gated", "guard", "Grant",
    "current_grant", "CancelToken",
    # results
    "Decision", "Outcome", "RuleRef", "PolicyRef", "ApprovalRequirement", "Execution",
    "Receipt", "ToolResponse", "ExecutionOutcome", "PendingApproval", "PendingEvent",
    "PendingEventKind", "PendingWatch", "ApprovalVote", "ApprovalResult", "Verdict",
    "ToolList", "DeclaredTool", "DeclaredArgument",
    # errors
    "PortcullisError", "GateError", "Unauthenticated", "PermissionDenied", "InvalidAction",
    "NotFound", "FailedPrecondition", "AlreadyExists", "ResourceExhausted", "GateUnavailable",
    "DeadlineExceeded", "Cancelled", "Denied", "ApprovalTimeout", "AlreadyExecuted",
    # digests and signatures
    "action_digest", "canonical_encoding", "canonical_amount", "Approval",
    "approval_message", "sign_approval", "load_signing_key", "verify_receipt",
    "AmendmentProposal", "proposal_id",
    # standing approvals
    "StandingApproval", "Constraint", "ConstraintOp", "StandingRevocation", "StandingStatus",
    "standing_message", "sign_standing", "revocation_message", "sign_revocation",
]
__version__ = "0.1.0"
