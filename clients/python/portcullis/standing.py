"""Standing approvals (docs/approvals.md "Standing approvals"): an
approver's signed approval, in advance, of a bounded class of actions — one
tool of one tenant, argument constraints every covered action meets, a
validity window and a number of uses — and the signed revocation that ends
one early. The messages are byte for byte the gate's
(gate/standing_approval.cc); Ed25519 from PyNaCl, so the private key never
leaves the caller.

    StandingApproval(tenant="al-noor", id="damaged-small", tool="refund_order",
                     constraints=(Constraint("amount", "<=", Money("100", "SAR")),
                                  Constraint("reason", "==", "damaged")),
                     not_before=now, not_after=now + timedelta(hours=72),
                     max_uses=50, approver_id="alice", comment="damaged items")
"""

from __future__ import annotations

import datetime
import decimal
import enum
from dataclasses import dataclass
from typing import Sequence, Tuple, Union

from portcullis import _encoding as enc
from portcullis.digest import _value as _encode_value
from portcullis.money import Money
from portcullis.signing import KeyLike, _signing_key

__all__ = ["ConstraintOp", "Constraint", "ConstraintValue", "StandingApproval",
           "StandingRevocation", "StandingStatus", "constraints_from", "standing_message",
           "sign_standing", "revocation_message", "sign_revocation"]

STANDING_DOMAIN = b"portcullis/standing/v1\x00"
REVOCATION_DOMAIN = b"portcullis/standing-revocation/v1\x00"

# What a constraint compares with: of the argument's declared type (an enum
# member is its string). Never a float and never a list.
ConstraintValue = Union[str, int, bool, Money]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


class ConstraintOp(enum.Enum):
    """How a constraint compares (proto ``ConstraintOp``; the values are
    signed). The ordering operators apply to int and money arguments only."""

    EQ = 1
    NE = 2
    LT = 3
    LE = 4
    GT = 5
    GE = 6

    @property
    def text(self) -> str:
        """"==", "!=", "<", "<=", ">", ">="."""
        return _OP_TEXT[self]

    @classmethod
    def parse(cls, text: str) -> "ConstraintOp":
        """The operator written ``text`` ("<=" ...). Raises ``ValueError``."""
        for op, spelling in _OP_TEXT.items():
            if spelling == text:
                return op
        raise ValueError(f"unknown constraint operator {text!r}: one of == != < <= > >=")


_OP_TEXT = {ConstraintOp.EQ: "==", ConstraintOp.NE: "!=", ConstraintOp.LT: "<",
            ConstraintOp.LE: "<=", ConstraintOp.GT: ">", ConstraintOp.GE: ">="}


def _constraint_value(argument: str, value: object) -> ConstraintValue:
    if isinstance(value, (bool, str, Money)):
        return value
    if isinstance(value, int):
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise ValueError(f"constraint on {argument!r}: {value} is outside the signed "
                             "64-bit range")
        return value
    if isinstance(value, enum.Enum) and isinstance(value.value, str):
        return value.value
    if isinstance(value, float):
        raise TypeError(f"constraint on {argument!r}: a float ({value!r}) is not exact; "
                        "use Money(Decimal(...), currency) or an int")
    if isinstance(value, decimal.Decimal):
        raise TypeError(f"constraint on {argument!r}: a bare Decimal; money needs a "
                        "currency: Money(amount, 'SAR')")
    raise TypeError(f"constraint on {argument!r}: a value must be str, int, bool or Money, "
                    f"not {type(value).__name__}")


@dataclass(frozen=True)
class Constraint:
    """One condition on one typed argument: ``Constraint("amount", "<=",
    Money("100", "SAR"))``. ``op`` is a ``ConstraintOp`` or its spelling;
    ``value`` a ``str`` (also enum members), ``int``, ``bool`` or ``Money``
    of the argument's currency. Raises ``TypeError`` for a float or another
    type, ``ValueError`` for an unknown operator."""

    argument: str
    op: ConstraintOp
    value: ConstraintValue

    def __init__(self, argument: str, op: Union[ConstraintOp, str], value: object) -> None:
        object.__setattr__(self, "argument", argument)
        object.__setattr__(self, "op", op if isinstance(op, ConstraintOp)
                           else ConstraintOp.parse(op))
        object.__setattr__(self, "value", _constraint_value(argument, value))

    def __str__(self) -> str:  # as the gate describes it: amount <= 100 SAR
        value = f'"{self.value}"' if isinstance(self.value, str) else (
            str(self.value).lower() if isinstance(self.value, bool) else str(self.value))
        return f"{self.argument} {self.op.text} {value}"


@dataclass(frozen=True)
class StandingApproval:
    """What an approver signs to approve in advance every action of
    ``tool`` (for ``tenant``) that meets all ``constraints``, decided within
    [``not_before``, ``not_after``), at most ``max_uses`` times (proto
    ``StandingApproval``). ``id`` is the approver's choice: 1-63 of
    ``a-z 0-9 - _``, unique within the tenant. The datetimes must be
    timezone-aware; the window may end at most 31 days from now."""

    tenant: str
    id: str
    tool: str
    constraints: Tuple[Constraint, ...]
    not_before: datetime.datetime
    not_after: datetime.datetime
    max_uses: int
    approver_id: str
    comment: str = ""

    def __post_init__(self) -> None:
        constraints = tuple(self.constraints)
        if not all(isinstance(c, Constraint) for c in constraints):
            raise TypeError("constraints must be Constraint values")
        object.__setattr__(self, "constraints", constraints)

    @property
    def not_before_ns(self) -> int:
        """``not_before`` in Unix nanoseconds, as signed and as sent."""
        return enc.unix_nanos(self.not_before)

    @property
    def not_after_ns(self) -> int:
        """``not_after`` in Unix nanoseconds, as signed and as sent."""
        return enc.unix_nanos(self.not_after)


@dataclass(frozen=True)
class StandingRevocation:
    """Ends a standing approval before its window does (proto
    ``StandingRevocation``); any approver registered for the tenant may sign
    one. ``reason`` is recorded (at most 1024 bytes)."""

    tenant: str
    id: str
    approver_id: str
    reason: str = ""


@dataclass(frozen=True)
class StandingStatus:
    """A standing approval as the gate holds it: the signed statement, the
    actions allowed by it so far, whether (and by whom) it was revoked, and
    the ledger sequence of its ``standing.granted`` entry. The datetimes of
    ``approval`` are exact to the microsecond."""

    approval: StandingApproval
    uses: int
    revoked: bool
    revoked_by: str
    ledger_sequence: int

    @property
    def uses_left(self) -> int:
        """How many more actions it may allow (0 once revoked)."""
        return 0 if self.revoked else max(0, self.approval.max_uses - self.uses)


def standing_message(standing: StandingApproval) -> bytes:
    """The exact bytes signed: "portcullis/standing/v1" 0x00, str(tenant),
    str(id), str(tool), u32(n) and n × {str(argument) u8(op) value} (value
    as an argument value of the action digest), i64(not_before ns),
    i64(not_after ns), u32(max_uses), str(approver_id), str(comment)."""
    out = bytearray(STANDING_DOMAIN)
    out += enc.string(standing.tenant) + enc.string(standing.id) + enc.string(standing.tool)
    out += enc.u32(len(standing.constraints))
    for c in standing.constraints:
        out += enc.string(c.argument) + bytes([c.op.value]) + _encode_value(c.value)
    out += enc.i64(standing.not_before_ns) + enc.i64(standing.not_after_ns)
    if not 0 <= standing.max_uses < 2**32:
        raise ValueError("max_uses must fit in 32 bits (the gate accepts 1..100000)")
    out += enc.u32(standing.max_uses)
    out += enc.string(standing.approver_id) + enc.string(standing.comment)
    return bytes(out)


def sign_standing(standing: StandingApproval, key: KeyLike) -> bytes:
    """The 64-byte Ed25519 signature of ``standing_message(standing)``."""
    return _signing_key(key).sign(standing_message(standing)).signature


def revocation_message(revocation: StandingRevocation) -> bytes:
    """The exact bytes signed: "portcullis/standing-revocation/v1" 0x00,
    str(tenant), str(id), str(approver_id), str(reason)."""
    return (REVOCATION_DOMAIN + enc.string(revocation.tenant) + enc.string(revocation.id) +
            enc.string(revocation.approver_id) + enc.string(revocation.reason))


def sign_revocation(revocation: StandingRevocation, key: KeyLike) -> bytes:
    """The 64-byte Ed25519 signature of ``revocation_message(revocation)``."""
    return _signing_key(key).sign(revocation_message(revocation)).signature


def constraints_from(items: Sequence[Union[Constraint, Tuple[str, str, object]]]
                     ) -> Tuple[Constraint, ...]:
    """Constraints from ``Constraint`` values or ``(argument, op, value)``
    triples: ``[("amount", "<=", Money("100", "SAR"))]``."""
    out = []
    for item in items:
        if isinstance(item, Constraint):
            out.append(item)
        elif isinstance(item, tuple) and len(item) == 3:
            out.append(Constraint(*item))
        else:
            raise TypeError("a constraint is a Constraint or an (argument, op, value) triple")
    return tuple(out)
