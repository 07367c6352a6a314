"""Exceptions of the Portcullis client.

``GateError`` and its subclasses mean the gate could not decide or refused
the call: each carries the gRPC status code and the gate's own message.
``Denied`` is not a gRPC error: the gate decided, and the answer is no.
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple, Type

import grpc

from portcullis.results import Decision, Receipt

__all__ = [
    "PortcullisError", "GateError", "Unauthenticated", "PermissionDenied",
    "InvalidAction", "NotFound", "FailedPrecondition", "AlreadyExists", "ResourceExhausted",
    "GateUnavailable", "DeadlineExceeded", "Cancelled", "Denied", "ApprovalTimeout",
    "AlreadyExecuted",
    "from_rpc_error",
]


class PortcullisError(Exception):
    """The base of every exception this package raises on purpose."""


class GateError(PortcullisError):
    """The gate answered with a gRPC error (or could not be reached).

    ``code`` is the ``grpc.StatusCode``; ``message`` the gate's message,
    which names the field or the check that failed and never holds a secret.
    """

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message


class Unauthenticated(GateError):
    """No credentials, or a token the gate does not know."""


class PermissionDenied(GateError):
    """A known caller without the role or the tenant; or a refused approval
    signature."""


class InvalidAction(GateError):
    """Malformed input (INVALID_ARGUMENT): the message names the field, e.g.
    an argument the policy does not declare."""


class NotFound(GateError):
    """An unknown tenant or decision."""


class FailedPrecondition(GateError):
    """A call in the wrong state: a grant used or expired, a digest that
    does not match, a request no longer pending."""


class AlreadyExists(FailedPrecondition):
    """ALREADY_EXISTS: e.g. a standing approval id taken before (also when
    revoked or used up). A ``FailedPrecondition``, as the TypeScript client
    maps it."""


class ResourceExhausted(GateError):
    """A request over the gate's size limit, more work than it takes, or an
    approving signature over the approver's fatigue cap (the message says
    when the next is possible)."""


class GateUnavailable(GateError):
    """The gate is unreachable, stopped, or could not record: nothing is
    allowed."""


class DeadlineExceeded(GateError, TimeoutError):
    """The call's deadline passed before the gate answered."""


class Cancelled(GateError):
    """The call was cancelled (by the caller's ``CancelToken`` or gRPC)."""


class Denied(PortcullisError):
    """The gate decided DENY. ``reasons`` are sentences a person can act on,
    ``rule_ids`` the rules that decided, ``decision`` the whole decision."""

    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        self.reasons: Tuple[str, ...] = decision.reasons
        self.rule_ids: Tuple[str, ...] = decision.rule_ids
        detail = "; ".join(decision.reasons) or "no reason given"
        super().__init__(f"denied by {', '.join(self.rule_ids) or 'the gate'}: {detail}")


class ApprovalTimeout(PortcullisError, TimeoutError):
    """Still PENDING_APPROVAL when the caller's wait ended. ``decision`` is
    the pending decision: await it again later with its id."""

    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        super().__init__(f"decision {decision.decision_id} is still pending approval")


class AlreadyExecuted(PortcullisError):
    """The action, under its idempotency key, was executed before (by an
    earlier decision): the tool must not run again. ``receipt`` is the first
    execution's receipt; ``decision`` the new, unused decision."""

    def __init__(self, decision: Decision, receipt: Receipt) -> None:
        self.decision = decision
        self.receipt = receipt
        super().__init__(f"already executed under idempotency key {receipt.idempotency_key!r} "
                         f"by decision {receipt.decision_id}")


_BY_CODE: Dict[grpc.StatusCode, Type[GateError]] = {
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidAction,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExists,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.UNAVAILABLE: GateUnavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
    grpc.StatusCode.CANCELLED: Cancelled,
}


def from_rpc_error(error: grpc.RpcError) -> GateError:
    """The typed exception for a failed gRPC call; ``GateError`` itself for a
    code without a class of its own (INTERNAL, DATA_LOSS, ...)."""
    code: Optional[grpc.StatusCode] = getattr(error, "code", lambda: None)()
    details: Optional[str] = getattr(error, "details", lambda: None)()
    code = code or grpc.StatusCode.UNKNOWN
    return _BY_CODE.get(code, GateError)(code, details or "")
