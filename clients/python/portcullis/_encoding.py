"""The canonical encoding primitives of docs/action-digest.md: length-
prefixed UTF-8 strings, big-endian integers. Shared by the action digest,
approvals and receipts."""

from __future__ import annotations

import datetime
import struct


def u32(n: int) -> bytes:
    return struct.pack(">I", n)


def i64(n: int) -> bytes:
    return struct.pack(">q", n)


def string(value: str) -> bytes:
    data = value.encode("utf-8")  # raises for a lone surrogate: not valid UTF-8
    return u32(len(data)) + data


def blob(value: bytes) -> bytes:
    return u32(len(value)) + value


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def unix_nanos(moment: datetime.datetime) -> int:
    """Unix nanoseconds of an aware datetime, exactly (integer arithmetic).
    Raises ``ValueError`` for a naive datetime."""
    if moment.tzinfo is None:
        raise ValueError("datetime must be timezone-aware (e.g. datetime.timezone.utc)")
    delta = moment - _EPOCH
    return ((delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds) * 1000
