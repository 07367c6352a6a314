"""The action an agent proposes: tenant, agent, tool, typed arguments.

Arguments are checked when an ``Action`` is built, before anything is sent:
``str``, ``int``, ``bool``, ``Money``, an ``enum.Enum`` whose value is a
string (enum arguments travel as strings), and lists or tuples of those. A
``float`` or a bare ``decimal.Decimal`` is a ``TypeError``: money needs a
currency and an exact amount (``Money``).
"""

from __future__ import annotations

import decimal
import enum
import types
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence, Tuple, Union

from portcullis.money import Money

__all__ = ["Action", "ActionContext", "ArgumentValue", "RunMode", "normalize_argument"]

ArgumentValue = Union[str, int, bool, Money, Tuple["ArgumentValue", ...]]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


class RunMode(enum.Enum):
    """Whether a person is at hand to approve (proto ``RunMode``)."""

    UNSPECIFIED = 0
    INTERACTIVE = 1
    # An action that would need approval is denied at once instead of waiting.
    UNATTENDED = 2


def normalize_argument(name: str, value: object) -> ArgumentValue:
    """Returns ``value`` in the form the gate's ``Value`` carries.

    Lists become tuples and string enums their value. Raises ``TypeError``
    for a float, a bare Decimal or any other type, and ``ValueError`` for an
    int outside the signed 64-bit range; the message names the argument.
    """
    if isinstance(value, (bool, str, Money)):
        return value
    if isinstance(value, int):
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise ValueError(f"argument {name!r}: {value} is outside the signed 64-bit range")
        return value
    if isinstance(value, float):
        raise TypeError(f"argument {name!r} is a float ({value!r}); send money as "
                        "Money(Decimal(...), currency) and counts as int: floats are not exact")
    if isinstance(value, decimal.Decimal):
        raise TypeError(f"argument {name!r} is a bare Decimal; money needs a currency: "
                        "Money(amount, 'SAR')")
    if isinstance(value, enum.Enum):
        if isinstance(value.value, str):
            return value.value
        raise TypeError(f"argument {name!r}: enum {value!r} must have a string value")
    if isinstance(value, (list, tuple)):
        return tuple(normalize_argument(name, item) for item in value)
    raise TypeError(f"argument {name!r} has type {type(value).__name__}; expected str, "
                    "int, bool, Money, a string enum or a list of those")


@dataclass(frozen=True)
class ActionContext:
    """Facts that inform the decision; recorded, but not part of the digest.

    ``confidence`` is the agent's own estimate from 0 to 1 (a float is fine
    here: it is a probability, not money). Ids are 0-128 printable ASCII.
    """

    confidence: Optional[float] = None
    run_mode: RunMode = RunMode.UNSPECIFIED
    request_id: str = ""
    correlation_id: str = ""
    session_id: str = ""


@dataclass(frozen=True)
class Action:
    """A proposed tool call. Immutable; arguments are validated on creation.

    Raises ``TypeError`` for an argument of a type the gate cannot carry
    exactly (a float above all) and ``ValueError`` for an out-of-range int.
    The gate checks names and types against the policy (``InvalidAction``).
    """

    tenant: str
    agent: str
    tool: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    idempotency_key: str = ""
    context: ActionContext = field(default_factory=ActionContext)

    def __post_init__(self) -> None:
        for label in ("tenant", "agent", "tool", "idempotency_key"):
            if not isinstance(getattr(self, label), str):
                raise TypeError(f"action.{label} must be a str")
        normalized = {}
        for name, value in self.arguments.items():
            if not isinstance(name, str):
                raise TypeError(f"argument names must be str, not {type(name).__name__}")
            normalized[name] = normalize_argument(name, value)
        object.__setattr__(self, "arguments", types.MappingProxyType(normalized))

    @staticmethod
    def from_json(action: Mapping[str, Any]) -> "Action":
        """Builds an Action from its proto JSON form (as in
        docs/action-digest-vectors.json or grpcurl). Raises ``ValueError`` for
        a value with no kind."""
        context = action.get("context", {})
        return Action(
            tenant=action.get("tenant", ""),
            agent=action.get("agent", ""),
            tool=action.get("tool", ""),
            arguments={name: _value_from_json(value)
                       for name, value in action.get("arguments", {}).items()},
            idempotency_key=action.get("idempotencyKey", ""),
            context=ActionContext(
                confidence=context.get("confidence"),
                run_mode=RunMode[context.get("runMode", "RUN_MODE_UNSPECIFIED")
                                  .removeprefix("RUN_MODE_")],
                request_id=context.get("requestId", ""),
                correlation_id=context.get("correlationId", ""),
                session_id=context.get("sessionId", "")))


def _value_from_json(value: Mapping[str, Any]) -> ArgumentValue:
    if "stringValue" in value:
        return str(value["stringValue"])
    if "intValue" in value:
        return int(value["intValue"])  # proto JSON writes int64 as a string
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "moneyValue" in value:
        money = value["moneyValue"]
        return Money(money.get("amount", ""), money.get("currency", ""))
    if "listValue" in value:
        items: Sequence[Mapping[str, Any]] = value["listValue"].get("values", [])
        return tuple(_value_from_json(item) for item in items)
    raise ValueError(f"value has no kind: {value!r}")
