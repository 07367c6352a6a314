"""Reference implementation of the Portcullis action digest in Python.

The digest is BLAKE2b-256 over the canonical encoding specified in
docs/action-digest.md. An agent runtime or an approval UI computes it to show
a person exactly what they approve; Portcullis computes the same bytes.

Usage as a library:
    digest = action_digest(action_dict)   # proto JSON form of an Action
Usage from the command line:
    python3 action_digest.py action.json
"""

import hashlib
import json
import re
import struct
import sys

DOMAIN = b"portcullis/action/v1\x00"
_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def _str(value: str) -> bytes:
    data = value.encode("utf-8")
    return struct.pack(">I", len(data)) + data


def canonical_amount(amount: str) -> str:
    """Normalises a decimal string: no leading zeros, no trailing fractional
    zeros, no negative zero ("050.10" -> "50.1", "-0.00" -> "0")."""
    if not _DECIMAL.match(amount):
        raise ValueError(f"not a decimal number: {amount!r}")
    negative = amount.startswith("-")
    digits = amount.lstrip("-")
    whole, _, fraction = digits.partition(".")
    whole = whole.lstrip("0") or "0"
    fraction = fraction.rstrip("0")
    text = whole + ("." + fraction if fraction else "")
    if text == "0":
        return "0"
    return ("-" if negative else "") + text


def _value(value: dict) -> bytes:
    if "stringValue" in value:
        return b"s" + _str(value["stringValue"])
    if "intValue" in value:
        # Proto JSON writes int64 as a string.
        return b"i" + struct.pack(">q", int(value["intValue"]))
    if "boolValue" in value:
        return b"b" + (b"\x01" if value["boolValue"] else b"\x00")
    if "moneyValue" in value:
        money = value["moneyValue"]
        return (b"m" + _str(money.get("currency", "")) +
                _str(canonical_amount(money.get("amount", ""))))
    if "listValue" in value:
        items = value["listValue"].get("values", [])
        return (b"l" + struct.pack(">I", len(items)) +
                b"".join(_value(item) for item in items))
    raise ValueError(f"value has no kind: {value!r}")


def canonical_encoding(action: dict) -> bytes:
    arguments = action.get("arguments", {})
    out = bytearray(DOMAIN)
    out += _str(action.get("tenant", ""))
    out += _str(action.get("agent", ""))
    out += _str(action.get("tool", ""))
    out += struct.pack(">I", len(arguments))
    # Ascending byte order of the UTF-8 names (names are ASCII).
    for name in sorted(arguments, key=lambda n: n.encode("utf-8")):
        out += _str(name) + _value(arguments[name])
    out += _str(action.get("idempotencyKey", ""))
    return bytes(out)


def action_digest(action: dict) -> bytes:
    return hashlib.blake2b(canonical_encoding(action), digest_size=32).digest()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: action_digest.py ACTION.json")
    with open(sys.argv[1], encoding="utf-8") as f:
        print(action_digest(json.load(f)).hex())
