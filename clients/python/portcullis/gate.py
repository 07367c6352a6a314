"""``Gate``: the client of a running portcullisd, over TCP or a Unix socket.

One ``Gate`` holds one gRPC channel and is safe to share between threads.
Every method either returns a typed result (``Decision``, ``Execution``,
...) or raises a ``GateError`` subclass carrying the gate's status code and
message. A DENY is a ``Decision``, not an exception (``guard``/``gated``
turn it into ``Denied``).
"""

from __future__ import annotations

import dataclasses
import datetime
import time
from typing import Any, Callable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple, Union

import grpc

from portcullis import _codec
from portcullis.action import Action, ActionContext
from portcullis.cancel import CancelToken
from portcullis.digest import action_digest
from portcullis.errors import Cancelled, from_rpc_error
from portcullis.results import (
    ApprovalResult, DeclaredArgument, DeclaredTool, Decision, Execution, ExecutionOutcome,
    PendingApproval, PendingEvent, PendingEventKind, ToolList, Verdict)
from portcullis.signing import AmendmentProposal, Approval, KeyLike, sign_approval
from portcullis.standing import (
    Constraint, StandingApproval, StandingRevocation, StandingStatus, constraints_from,
    sign_revocation, sign_standing)

__all__ = ["Gate", "PendingWatch"]

DecisionRef = Union[Decision, str]

# The gate answers one AwaitDecision for at most an hour; longer waits loop.
_MAX_AWAIT_SECONDS = 3600.0


class Gate:
    """A connection to a Portcullis gate.

    ``target`` is ``host:port`` (e.g. "127.0.0.1:7575") or
    ``unix:/path/to/portcullis.sock``. ``token`` is the principal's bearer
    token (omit it over the Unix socket when your uid identifies you).
    ``timeout`` is the deadline, in seconds, of each call (waits for approval
    have their own). ``tenant`` and ``agent`` are defaults for ``action()``
    and for calls that name a tenant. ``credentials`` selects TLS
    (``grpc.ssl_channel_credentials(...)``); plaintext otherwise, which the
    gate allows on loopback and the Unix socket only. ``options`` are gRPC
    channel options; ``interceptors`` are ``grpc`` client interceptors (for
    tracing or metrics), applied to every call.
    """

    def __init__(self, target: str, *, token: Optional[str] = None, timeout: float = 10.0,
                 tenant: Optional[str] = None, agent: Optional[str] = None,
                 credentials: Optional[grpc.ChannelCredentials] = None,
                 options: Sequence[Tuple[str, Any]] = (),
                 interceptors: Sequence[Any] = ()) -> None:
        if not target:
            raise ValueError("target must be host:port or unix:/path")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        self.target = target
        self.timeout = float(timeout)
        self.tenant = tenant
        self.agent = agent
        self._metadata: Tuple[Tuple[str, str], ...] = (
            (("authorization", f"Bearer {token}"),) if token else ())
        pb = _codec.pb()  # before the channel: raises if there are no stubs
        if credentials is not None:
            self._channel = grpc.secure_channel(target, credentials, options=list(options))
        else:
            self._channel = grpc.insecure_channel(target, options=list(options))
        channel = grpc.intercept_channel(self._channel, *interceptors)
        self._pb = pb
        self._stub = pb.gate_grpc.GateStub(channel)

    # --- lifetime -----------------------------------------------------------

    def close(self) -> None:
        """Closes the channel; calls in flight are cancelled."""
        self._channel.close()

    def __enter__(self) -> "Gate":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:  # never shows the token
        return f"Gate({self.target!r}, tenant={self.tenant!r}, agent={self.agent!r})"

    # --- the agent's calls --------------------------------------------------

    def action(self, tool: str, arguments: Optional[Mapping[str, Any]] = None, *,
               tenant: Optional[str] = None, agent: Optional[str] = None,
               idempotency_key: str = "",
               context: Optional[ActionContext] = None) -> Action:
        """Builds an ``Action`` with this gate's default tenant and agent.
        Raises ``ValueError`` when neither is given, ``TypeError`` for an
        argument of the wrong type (a float)."""
        return Action(tenant=self._tenant(tenant), agent=self._agent(agent), tool=tool,
                      arguments=dict(arguments or {}), idempotency_key=idempotency_key,
                      context=context or ActionContext())

    def evaluate(self, action: Action, *, timeout: Optional[float] = None) -> Decision:
        """Decides ``action``; the decision is on the ledger when this
        returns. Raises ``InvalidAction`` (the message names the field),
        ``NotFound`` (unknown tenant), ``Unauthenticated``,
        ``PermissionDenied``, ``GateUnavailable``, ``ResourceExhausted``."""
        if not isinstance(action, Action):
            raise TypeError("evaluate takes an Action (see Gate.action)")
        request = self._pb.gate.EvaluateRequest(action=_codec.action_to_proto(action))
        return _codec.decision_from_proto(self._call(self._stub.Evaluate, request, timeout).decision)

    def await_decision(self, decision: DecisionRef, *, tenant: Optional[str] = None,
                       timeout: Optional[float] = None,
                       cancel: Optional[CancelToken] = None) -> Decision:
        """Waits until a pending decision is resolved and returns it: ALLOW
        (approved), DENY (refused or expired). Returns the decision still
        PENDING_APPROVAL when ``timeout`` seconds pass (None: wait as long as
        the request lives). ``cancel`` ends the wait with ``Cancelled``."""
        if isinstance(decision, Decision) and not decision.pending:
            return decision
        tenant_id = decision.tenant if isinstance(decision, Decision) else self._tenant(tenant)
        decision_id = decision.decision_id if isinstance(decision, Decision) else decision
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = _MAX_AWAIT_SECONDS if deadline is None else min(
                _MAX_AWAIT_SECONDS, max(0.0, deadline - time.monotonic()))
            request = self._pb.gate.AwaitDecisionRequest(
                tenant=tenant_id, decision_id=decision_id,
                max_wait=_codec.duration_from_seconds(wait))
            response = self._call_cancellable(self._stub.AwaitDecision, request,
                                               wait + self.timeout, cancel)
            current = _codec.decision_from_proto(response.decision)
            if not current.pending or (deadline is not None and time.monotonic() >= deadline):
                return current

    def execute(self, decision: DecisionRef, action: Action, *,
                timeout: Optional[float] = None) -> Execution:
        """Consumes the decision's single-use grant for exactly ``action``
        and returns the signed receipt. A retry gets the same receipt.
        Raises ``FailedPrecondition`` for a grant that is used for another
        action, expired, denied or pending, or a digest that differs."""
        decision_id = decision.decision_id if isinstance(decision, Decision) else decision
        request = self._pb.gate.ExecuteRequest(decision_id=decision_id,
                                               action=_codec.action_to_proto(action))
        return _codec.execution_from_proto(self._call(self._stub.Execute, request, timeout))

    def report_outcome(self, decision: DecisionRef, outcome: ExecutionOutcome,
                       detail: str = "", *, tenant: Optional[str] = None,
                       timeout: Optional[float] = None) -> int:
        """Records how an executed action turned out; returns the ledger
        sequence of the outcome entry. ``detail`` is at most 1024 bytes and
        must hold no secret or customer data."""
        if not isinstance(outcome, ExecutionOutcome):
            raise TypeError("outcome must be an ExecutionOutcome")
        tenant_id = decision.tenant if isinstance(decision, Decision) else self._tenant(tenant)
        decision_id = decision.decision_id if isinstance(decision, Decision) else decision
        request = self._pb.gate.ReportOutcomeRequest(
            tenant=tenant_id, decision_id=decision_id, outcome=outcome.value, detail=detail)
        return int(self._call(self._stub.ReportOutcome, request, timeout).ledger_sequence)

    def list_tools(self, tenant: Optional[str] = None, *,
                   timeout: Optional[float] = None) -> ToolList:
        """The tools the tenant's policy in force declares, with their typed
        arguments: what an agent may propose at all (an undeclared tool is
        always denied)."""
        request = self._pb.gate.ListToolsRequest(tenant=self._tenant(tenant))
        response = self._call(self._stub.ListTools, request, timeout)
        return ToolList(
            tools=tuple(
                DeclaredTool(name=tool.name, arguments=tuple(
                    DeclaredArgument(name=arg.name, type=arg.type, optional=arg.optional)
                    for arg in tool.arguments))
                for tool in response.tools),
            policy_version=response.policy_version, policy_hash=response.policy_hash)

    # --- the approver's calls -----------------------------------------------

    def list_pending(self, tenant: Optional[str] = None, *,
                     timeout: Optional[float] = None) -> List[PendingApproval]:
        """The tenant's pending requests, oldest first."""
        request = self._pb.gate.ListPendingRequest(tenant=self._tenant(tenant))
        response = self._call(self._stub.ListPending, request, timeout)
        return [_codec.pending_from_proto(p) for p in response.pending]

    def watch_pending(self, tenant: Optional[str] = None, *,
                      cancel: Optional[CancelToken] = None) -> "PendingWatch":
        """Streams the tenant's pending requests: first each current one
        (ADDED), then every change. Iterate it; ``cancel()`` it (or use it
        as a context manager) to stop."""
        request = self._pb.gate.WatchPendingRequest(tenant=self._tenant(tenant))
        call = self._stub.WatchPending(request, metadata=self._metadata)
        return PendingWatch(call, cancel)

    def approve(self, pending: PendingApproval, *, key: KeyLike, approver_id: str,
                comment: str = "", valid_for: datetime.timedelta = datetime.timedelta(minutes=15),
                verdict: Verdict = Verdict.APPROVE,
                proposal: Optional[AmendmentProposal] = None,
                timeout: Optional[float] = None) -> ApprovalResult:
        """Signs a verdict on ``pending`` with the approver's Ed25519 key and
        sends it. The digest signed is computed here from the action shown,
        so the approver signs what they saw: ``ValueError`` if the gate's
        digest differs. The gate answers ``PermissionDenied`` for a key,
        role or tenant it does not accept, ``FailedPrecondition`` for a
        request no longer pending or a second verdict by the same approver,
        ``ResourceExhausted`` over the approver's fatigue cap.

        ``proposal`` attaches an amendment (a rule for the pending action's
        tool unless it names another), signed with the verdict; the result's
        ``proposal_id`` is the id the gate recorded it under. A rule that
        does not compile with the policy in force is ``InvalidAction`` (its
        errors as ``proposal:LINE:COLUMN``), and then the verdict is not
        counted either."""
        digest = action_digest(pending.action)
        if digest != pending.decision.action_digest:
            raise ValueError("the pending action's digest differs from the decision's: "
                             "refusing to sign")
        if proposal is not None and not isinstance(proposal, AmendmentProposal):
            raise TypeError("proposal must be an AmendmentProposal(rule, rationale)")
        if proposal is not None and not proposal.tool:
            proposal = dataclasses.replace(proposal, tool=pending.action.tool)
        expires_at = datetime.datetime.now(datetime.timezone.utc) + valid_for
        approval = Approval(tenant=pending.decision.tenant,
                            decision_id=pending.decision.decision_id, action_digest=digest,
                            verdict=verdict, expires_at=expires_at, approver_id=approver_id,
                            comment=comment, amendment=proposal)
        return self.send_approval(approval, sign_approval(approval, key), timeout=timeout)

    def deny(self, pending: PendingApproval, *, key: KeyLike, approver_id: str, reason: str,
             proposal: Optional[AmendmentProposal] = None,
             timeout: Optional[float] = None) -> ApprovalResult:
        """Signs and sends a refusal; one refusal denies the request.
        ``proposal`` as for ``approve`` (e.g. a deny rule)."""
        return self.approve(pending, key=key, approver_id=approver_id, comment=reason,
                            verdict=Verdict.DENY, proposal=proposal, timeout=timeout)

    def send_approval(self, approval: Approval, signature: bytes, *,
                      timeout: Optional[float] = None) -> ApprovalResult:
        """Sends an approval signed elsewhere (``sign_approval``)."""
        request = self._pb.gate.ApproveRequest(approval=_codec.approval_to_proto(approval),
                                               signature=signature)
        response = self._call(self._stub.Approve, request, timeout)
        pending = (_codec.pending_from_proto(response.pending)
                   if response.HasField("pending") else None)
        return ApprovalResult(decision=_codec.decision_from_proto(response.decision),
                              pending=pending, proposal_id=response.proposal_id or None)

    # --- standing approvals -------------------------------------------------

    def grant_standing(self, tool: str, *, standing_id: str, key: KeyLike, approver_id: str,
                       max_uses: int, window: datetime.timedelta,
                       constraints: Sequence[Union[Constraint, Tuple[str, str, Any]]] = (),
                       comment: str = "", not_before: Optional[datetime.datetime] = None,
                       tenant: Optional[str] = None,
                       timeout: Optional[float] = None) -> StandingStatus:
        """Signs a standing approval with the approver's Ed25519 key and
        grants it: from then on, an action of ``tool`` that would wait for
        approval and meets every constraint is allowed at once, citing
        ``standing:<standing_id>``, at most ``max_uses`` times within
        ``window`` from ``not_before`` (default: now, to the second).

        ``constraints`` are ``Constraint`` values or ``(argument, op,
        value)`` triples, e.g. ``("amount", "<=", Money("100", "SAR"))``.
        The gate answers ``InvalidAction`` for a malformed statement or a
        constraint that does not fit the tool's arguments (or a window over
        31 days), ``PermissionDenied`` for a key, approver or role it does
        not accept, ``FailedPrecondition`` when no approve rule of the tool
        is met by one approver alone, ``AlreadyExists`` for an id taken
        before, ``ResourceExhausted`` over the approver's fatigue cap."""
        start = not_before or datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        standing = StandingApproval(
            tenant=self._tenant(tenant), id=standing_id, tool=tool,
            constraints=constraints_from(constraints), not_before=start,
            not_after=start + window, max_uses=max_uses, approver_id=approver_id,
            comment=comment)
        return self.send_standing(standing, sign_standing(standing, key), timeout=timeout)

    def send_standing(self, standing: StandingApproval, signature: bytes, *,
                      timeout: Optional[float] = None) -> StandingStatus:
        """Grants a standing approval signed elsewhere (``sign_standing``)."""
        request = self._pb.gate.GrantStandingRequest(
            standing=_codec.standing_to_proto(standing), signature=signature)
        response = self._call(self._stub.GrantStanding, request, timeout)
        return _codec.standing_from_proto(response.standing)

    def revoke_standing(self, standing_id: str, *, key: KeyLike, approver_id: str,
                        reason: str = "", tenant: Optional[str] = None,
                        timeout: Optional[float] = None) -> StandingStatus:
        """Signs a revocation and sends it: the standing approval allows
        nothing more. Any approver registered for the tenant may revoke.
        ``NotFound`` for an unknown or ended one, ``FailedPrecondition``
        when it is already revoked. Returns it as it stands, with its
        uses."""
        revocation = StandingRevocation(tenant=self._tenant(tenant), id=standing_id,
                                        approver_id=approver_id, reason=reason)
        return self.send_revocation(revocation, sign_revocation(revocation, key),
                                    timeout=timeout)

    def send_revocation(self, revocation: StandingRevocation, signature: bytes, *,
                        timeout: Optional[float] = None) -> StandingStatus:
        """Sends a revocation signed elsewhere (``sign_revocation``)."""
        request = self._pb.gate.RevokeStandingRequest(
            revocation=_codec.revocation_to_proto(revocation), signature=signature)
        response = self._call(self._stub.RevokeStanding, request, timeout)
        return _codec.standing_from_proto(response.standing)

    def list_standing(self, tenant: Optional[str] = None, *,
                      timeout: Optional[float] = None) -> List[StandingStatus]:
        """The tenant's standing approvals whose window has not ended (also
        the revoked and used up ones), by id, with their uses."""
        request = self._pb.gate.ListStandingRequest(tenant=self._tenant(tenant))
        response = self._call(self._stub.ListStanding, request, timeout)
        return [_codec.standing_from_proto(s) for s in response.standing]

    # --- plumbing -------------------------------------------------------------

    def _tenant(self, tenant: Optional[str]) -> str:
        chosen = tenant or self.tenant
        if not chosen:
            raise ValueError("no tenant: pass tenant=... or Gate(..., tenant=...)")
        return chosen

    def _agent(self, agent: Optional[str]) -> str:
        chosen = agent or self.agent
        if not chosen:
            raise ValueError("no agent: pass agent=... or Gate(..., agent=...)")
        return chosen

    def _call(self, method: Callable[..., Any], request: Any, timeout: Optional[float]) -> Any:
        try:
            return method(request, timeout=timeout or self.timeout, metadata=self._metadata)
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None

    def _call_cancellable(self, method: Any, request: Any, timeout: float,
                          cancel: Optional[CancelToken]) -> Any:
        # A future, not a blocking call: the token, and a KeyboardInterrupt
        # in the waiting thread, end a long wait at once and cancel the RPC.
        token = cancel or CancelToken()
        future = method.future(request, timeout=timeout, metadata=self._metadata)
        unregister = token.on_cancel(future.cancel)
        try:
            return future.result()
        except grpc.FutureCancelledError:
            raise Cancelled(grpc.StatusCode.CANCELLED, "cancelled by the caller") from None
        except grpc.RpcError as error:
            if token.cancelled:
                raise Cancelled(grpc.StatusCode.CANCELLED, "cancelled by the caller") from None
            raise from_rpc_error(error) from None
        except BaseException:
            future.cancel()
            raise
        finally:
            unregister()


class PendingWatch:
    """An iterator of ``PendingEvent`` over a ``WatchPending`` stream.
    ``cancel()`` ends it (iteration then stops cleanly); a broken stream
    raises the typed ``GateError``.

    Each request is announced (ADDED) once: the gate may send ADDED twice
    for a request that arrives while the watch starts (in its first list
    and as a change), and a repeat for a request already announced and not
    yet resolved is dropped here.
    """

    def __init__(self, call: Any, cancel: Optional[CancelToken]) -> None:
        self._call = call
        self._cancelled = False
        self._announced: Set[str] = set()
        self._unregister = cancel.on_cancel(self.cancel) if cancel else (lambda: None)

    def cancel(self) -> None:
        self._cancelled = True
        self._call.cancel()

    def __iter__(self) -> Iterator[PendingEvent]:
        return self

    def __next__(self) -> PendingEvent:
        while True:
            try:
                message = next(self._call)
            except grpc.RpcError as error:
                self._unregister()
                if self._cancelled:
                    raise StopIteration from None
                raise from_rpc_error(error) from None
            except StopIteration:
                self._unregister()
                raise
            if message.kind not in (1, 2, 3, 4):  # KIND_UNSPECIFIED is never sent
                continue
            event = _codec.event_from_proto(message)
            decision_id = event.pending.decision.decision_id
            if event.kind is PendingEventKind.ADDED:
                if decision_id in self._announced:
                    continue
                self._announced.add(decision_id)
            elif event.kind in (PendingEventKind.RESOLVED, PendingEventKind.REMOVED):
                self._announced.discard(decision_id)
            return event

    def __enter__(self) -> "PendingWatch":
        return self

    def __exit__(self, *_: object) -> None:
        self.cancel()
