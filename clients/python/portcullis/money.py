"""Exact money for Portcullis actions: a decimal amount and a currency.

Money is never a binary floating point number: ``Money(Decimal("0.1"), "SAR")``
is exactly one tenth, and ``Money(0.1, "SAR")`` is a ``TypeError``. The wire
form is the decimal text the gate's ``Money`` message carries (proto/portcullis/
v1/action.proto).
"""

from __future__ import annotations

import decimal
import re
from dataclasses import dataclass
from typing import Union

__all__ = ["Money", "AmountLike"]

AmountLike = Union[decimal.Decimal, str, int]

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_WIRE_AMOUNT = re.compile(r"^-?([0-9]+)(?:\.([0-9]+))?$")
_MAX_DIGITS = 18  # on each side of the point, as the gate accepts


def _to_decimal(amount: object) -> decimal.Decimal:
    # bool is an int subclass; True SAR is not an amount.
    if isinstance(amount, (float, bool)) or not isinstance(
            amount, (decimal.Decimal, str, int)):
        raise TypeError(
            f"money amount must be a decimal.Decimal, a decimal string or an int, "
            f"not {type(amount).__name__}: binary floating point is not exact")
    if isinstance(amount, str):
        if not _WIRE_AMOUNT.match(amount):
            raise ValueError(f"not a decimal amount: {amount!r} "
                             "(digits, an optional '-' and '.', no exponent)")
        return decimal.Decimal(amount)
    value = decimal.Decimal(amount)
    if not value.is_finite():
        raise ValueError(f"money amount must be finite, not {value}")
    return value


def _wire_text(value: decimal.Decimal) -> str:
    text = format(value, "f")  # never an exponent
    match = _WIRE_AMOUNT.match(text)
    if not match:
        raise ValueError(f"not a decimal amount: {value}")
    whole, fraction = match.group(1), match.group(2) or ""
    if len(whole.lstrip("0")) > _MAX_DIGITS or len(fraction) > _MAX_DIGITS:
        raise ValueError(f"money amount {text} has more than {_MAX_DIGITS} digits "
                         "on one side of the point")
    return text


@dataclass(frozen=True, init=False)
class Money:
    """An exact amount of one currency.

    ``amount`` is kept as a ``decimal.Decimal`` (a ``str`` such as "120.00" or
    an ``int`` is converted); ``currency`` is an ISO 4217 code of three
    upper-case letters. Raises ``TypeError`` for a float (or any other type)
    and ``ValueError`` for a malformed amount or currency. Immutable and
    hashable; ``Money("50", "SAR") == Money("50.00", "SAR")``.
    """

    amount: decimal.Decimal
    currency: str

    def __init__(self, amount: AmountLike, currency: str) -> None:
        value = _to_decimal(amount)
        if not isinstance(currency, str) or not _CURRENCY.match(currency):
            raise ValueError(
                f"currency must be three upper-case letters (ISO 4217), not {currency!r}")
        _wire_text(value)  # validates the digit limits now, not at send time
        object.__setattr__(self, "amount", value)
        object.__setattr__(self, "currency", currency)

    @property
    def wire_amount(self) -> str:
        """The amount as the decimal text sent to the gate, e.g. "120.00"."""
        return _wire_text(self.amount)

    def __str__(self) -> str:
        return f"{self.wire_amount} {self.currency}"
