"""Putting a tool function behind the gate: the ``guard`` context manager
and the ``gated`` decorator.

Both follow the same steps: Evaluate; on PENDING_APPROVAL wait for the
approvers (bounded by ``approval_timeout``, cancellable with a
``CancelToken``); on DENY raise ``Denied``; on ALLOW consume the grant with
Execute (which returns the signed receipt), run the tool, and report its
outcome with ReportOutcome. Nothing runs that the gate did not allow.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import functools
import inspect
import logging
import threading
import types
import uuid
from typing import (Any, Awaitable, Callable, Dict, Iterable, Mapping, Optional, Tuple, TypeVar,
                    cast)

from portcullis.action import Action, ActionContext
from portcullis.cancel import CancelToken
from portcullis.errors import AlreadyExecuted, ApprovalTimeout, Denied, GateError
from portcullis.gate import Gate
from portcullis.results import Decision, Execution, ExecutionOutcome, Receipt

__all__ = ["Grant", "guard", "gated", "current_grant"]

_log = logging.getLogger("portcullis")
F = TypeVar("F", bound=Callable[..., Any])


@dataclasses.dataclass
class Grant:
    """An executed grant, handed to the code that runs the tool.

    Set ``detail`` to record a short note with the outcome (no secrets, no
    customer data). Once the outcome is reported, ``outcome_sequence`` is
    its ledger sequence; ``report_error`` holds the error if it could not be
    recorded (the tool's own result is not discarded for that).
    """

    action: Action
    decision: Decision
    execution: Execution
    detail: str = ""
    outcome_sequence: Optional[int] = None
    report_error: Optional[GateError] = None

    @property
    def receipt(self) -> Receipt:
        """The gate's signed receipt: pass it to a tool server that checks it."""
        return self.execution.receipt

    @property
    def called_by_gate(self) -> bool:
        """True when the gate called the tool itself through a connector:
        then do not call it again; its answer is ``execution.tool_response``."""
        response = self.execution.tool_response
        return response is not None and response.called


_current: "contextvars.ContextVar[Grant]" = contextvars.ContextVar("portcullis_grant")


def current_grant() -> Grant:
    """The ``Grant`` of the ``gated`` call running in this thread or task,
    e.g. to pass ``current_grant().receipt`` to a tool server. Raises
    ``LookupError`` outside a gated function."""
    try:
        return _current.get()
    except LookupError:
        raise LookupError("current_grant() is only set inside a @gated function") from None


class guard:
    """``with guard(gate, action) as grant:`` runs the body only if the gate
    allows ``action`` (at once or after approval), after its grant has been
    executed; the body's success or exception is reported as the outcome.

    Raises on entry: ``Denied`` (DENY, with reasons and rule ids),
    ``ApprovalTimeout`` (still pending after ``approval_timeout`` seconds;
    None waits as long as the request lives), ``Cancelled`` (``cancel``
    fired), ``AlreadyExecuted`` (the same action under the same idempotency
    key ran before), or any ``GateError``. Exceptions of the body propagate unchanged.
    """

    def __init__(self, gate: Gate, action: Action, *, approval_timeout: Optional[float] = 300.0,
                 cancel: Optional[CancelToken] = None) -> None:
        self._gate = gate
        self._action = action
        self._approval_timeout = approval_timeout
        self._cancel = cancel
        self._grant: Optional[Grant] = None

    def __enter__(self) -> Grant:
        decision = self._gate.evaluate(self._action)
        if decision.pending:
            decision = self._gate.await_decision(decision, timeout=self._approval_timeout,
                                                 cancel=self._cancel)
            if decision.pending:
                raise ApprovalTimeout(decision)
        if not decision.allowed:
            raise Denied(decision)
        execution = self._gate.execute(decision, self._action)
        if execution.receipt.decision_id != decision.decision_id:
            # The gate answered with the receipt of an earlier execution of
            # the same action and idempotency key: it ran already.
            raise AlreadyExecuted(decision, execution.receipt)
        self._grant = Grant(action=self._action, decision=decision, execution=execution)
        return self._grant

    def __exit__(self, exc_type: Optional[type], exc: Optional[BaseException],
                 traceback: Optional[types.TracebackType]) -> None:
        grant = self._grant
        if grant is None or grant.called_by_gate:  # the gate recorded that outcome
            return
        if exc_type is None:
            outcome, detail = ExecutionOutcome.SUCCEEDED, grant.detail
        else:
            # The exception's class only: its message may hold customer data.
            outcome, detail = ExecutionOutcome.FAILED, grant.detail or f"raised {exc_type.__name__}"
        try:
            grant.outcome_sequence = self._gate.report_outcome(grant.decision, outcome, detail)
        except GateError as error:
            grant.report_error = error
            _log.warning("portcullis: outcome of decision %s not recorded: %s",
                         grant.decision.decision_id, error)


def _abandon(scope: guard, entering: "asyncio.Future[Grant]") -> None:
    """The task was cancelled while the worker evaluated or executed: if the
    worker still obtained a grant, the tool will not run, so record it as
    failed."""
    if entering.cancelled() or entering.exception() is not None:
        return
    # A thread of its own: the loop's executor may be shutting down.
    threading.Thread(target=scope.__exit__,
                     args=(asyncio.CancelledError, asyncio.CancelledError(), None)).start()


def _arguments_of(signature: inspect.Signature, args: Tuple[Any, ...], kwargs: Dict[str, Any],
                  skip: Iterable[str]) -> Dict[str, Any]:
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    out: Dict[str, Any] = {}
    for name, value in bound.arguments.items():
        kind = signature.parameters[name].kind
        if name in skip:
            continue
        if kind is inspect.Parameter.VAR_KEYWORD:
            out.update(value)
        elif kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                raise TypeError(f"*{name} cannot be mapped to named arguments; pass arguments=")
        else:
            out[name] = value
    return out


def gated(gate: Gate, *, tool: Optional[str] = None, tenant: Optional[str] = None,
          agent: Optional[str] = None,
          arguments: Optional[Callable[..., Mapping[str, Any]]] = None,
          exclude: Iterable[str] = (), idempotency_key: Optional[Callable[..., str]] = None,
          context: Optional[ActionContext] = None, approval_timeout: Optional[float] = 300.0,
          cancel: Optional[CancelToken] = None) -> Callable[[F], F]:
    """Decorates a tool function so that each call goes through the gate.

    The action is ``tool`` (default: the function's name) for ``tenant`` and
    ``agent`` (default: the gate's), with the call's arguments by parameter
    name (minus ``exclude``), or what ``arguments(*args, **kwargs)``
    returns. ``idempotency_key(*args, **kwargs)`` names the logical
    operation across retries. Each call gets a fresh request id unless
    ``context`` sets one. Inside the function, ``current_grant()`` is the
    ``Grant`` (with the receipt to hand to a tool server).

    Raises what ``guard`` raises; ``TypeError`` before anything is sent for
    an argument the gate cannot carry exactly (a float). If the gate called
    the tool itself (a connector), the function is not run and the call
    returns the gate's ``ToolResponse``. Works on ``async def`` functions
    too: the gate's calls then run in a worker thread, and cancelling the
    task cancels a wait for approval.
    """
    skip = set(exclude)

    def decorate(fn: F) -> F:
        signature = inspect.signature(fn)
        tool_name = tool or fn.__name__

        def build(args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Action:
            mapped = (arguments(*args, **kwargs) if arguments
                      else _arguments_of(signature, args, kwargs, skip))
            base = context or ActionContext()
            ctx = dataclasses.replace(base, request_id=base.request_id or uuid.uuid4().hex)
            key = idempotency_key(*args, **kwargs) if idempotency_key else ""
            return gate.action(tool_name, mapped, tenant=tenant, agent=agent,
                               idempotency_key=key, context=ctx)

        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                call_cancel = CancelToken()
                unlink = cancel.on_cancel(call_cancel.cancel) if cancel else (lambda: None)
                try:
                    action = build(args, kwargs)
                    scope = guard(gate, action, approval_timeout=approval_timeout,
                                  cancel=call_cancel)
                    entering = asyncio.ensure_future(asyncio.to_thread(scope.__enter__))
                    try:
                        grant = await asyncio.shield(entering)
                    except asyncio.CancelledError:
                        call_cancel.cancel()  # ends the worker's wait at once
                        entering.add_done_callback(
                            lambda done: _abandon(scope, done))
                        raise
                    if grant.called_by_gate:
                        return grant.execution.tool_response
                    entered = _current.set(grant)
                    try:
                        result = await cast(Callable[..., Awaitable[Any]], fn)(*args, **kwargs)
                    except BaseException as error:
                        await asyncio.to_thread(scope.__exit__, type(error), error, None)
                        raise
                    finally:
                        _current.reset(entered)
                    await asyncio.to_thread(scope.__exit__, None, None, None)
                    return result
                finally:
                    unlink()
            return cast(F, async_wrapper)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            action = build(args, kwargs)
            with guard(gate, action, approval_timeout=approval_timeout, cancel=cancel) as grant:
                if grant.called_by_gate:
                    return grant.execution.tool_response
                entered = _current.set(grant)
                try:
                    return fn(*args, **kwargs)
                finally:
                    _current.reset(entered)
        return cast(F, wrapper)

    return decorate
