"""The action digest (docs/action-digest.md), byte for byte as the gate
computes it: BLAKE2b-256 over a canonical, domain-separated encoding of
tenant, agent, tool, arguments and idempotency key.

Approvers compute it to see what they sign; tool servers to check a receipt
against the action they are asked to run. Pure functions; no gate needed.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Mapping, Union

from portcullis import _encoding as enc
from portcullis.action import Action, ArgumentValue
from portcullis.money import Money

__all__ = ["action_digest", "canonical_encoding", "canonical_amount"]

DOMAIN = b"portcullis/action/v1\x00"
_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")

ActionLike = Union[Action, Mapping[str, Any]]


def canonical_amount(amount: str) -> str:
    """Normalises a decimal string: no leading zeros, no trailing fractional
    zeros, no negative zero ("050.10" -> "50.1", "-0.00" -> "0"). Raises
    ``ValueError`` for text that is not ``-?[0-9]+(\\.[0-9]+)?``."""
    if not _DECIMAL.match(amount):
        raise ValueError(f"not a decimal number: {amount!r}")
    negative = amount.startswith("-")
    whole, _, fraction = amount.lstrip("-").partition(".")
    whole = whole.lstrip("0") or "0"
    fraction = fraction.rstrip("0")
    text = whole + ("." + fraction if fraction else "")
    if text == "0":
        return "0"
    return ("-" if negative else "") + text


def _value(value: ArgumentValue) -> bytes:
    # bool before int: bool is an int subclass.
    if isinstance(value, bool):
        return b"b" + (b"\x01" if value else b"\x00")
    if isinstance(value, str):
        return b"s" + enc.string(value)
    if isinstance(value, int):
        return b"i" + enc.i64(value)
    if isinstance(value, Money):
        return (b"m" + enc.string(value.currency) +
                enc.string(canonical_amount(value.wire_amount)))
    if isinstance(value, tuple):
        return b"l" + enc.u32(len(value)) + b"".join(_value(item) for item in value)
    raise TypeError(f"not an argument value: {type(value).__name__}")


def canonical_encoding(action: ActionLike) -> bytes:
    """The bytes the digest hashes. ``action`` is an ``Action`` or its proto
    JSON form (a dict, as in docs/action-digest-vectors.json)."""
    if not isinstance(action, Action):
        action = Action.from_json(action)
    out = bytearray(DOMAIN)
    out += enc.string(action.tenant) + enc.string(action.agent) + enc.string(action.tool)
    out += enc.u32(len(action.arguments))
    # Ascending byte order of the UTF-8 names.
    for name in sorted(action.arguments, key=lambda n: n.encode("utf-8")):
        out += enc.string(name) + _value(action.arguments[name])
    out += enc.string(action.idempotency_key)
    return bytes(out)


def action_digest(action: ActionLike) -> bytes:
    """BLAKE2b-256 of ``canonical_encoding(action)``: 32 bytes."""
    return hashlib.blake2b(canonical_encoding(action), digest_size=32).digest()
