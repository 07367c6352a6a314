"""Checks the Python reference action digest against the published vectors.

The C++ gate is checked against the same file (tests/gate/action_digest_test.cc),
so passing both means a Python client and the gate agree byte for byte.
"""

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "python"))

from action_digest import action_digest, canonical_amount, canonical_encoding  # noqa: E402


def main() -> int:
    with open(os.path.join(ROOT, "docs", "action-digest-vectors.json"), encoding="utf-8") as f:
        vectors = json.load(f)["vectors"]
    failures = 0
    for vector in vectors:
        encoding = canonical_encoding(vector["action"]).hex()
        digest = action_digest(vector["action"]).hex()
        if encoding != vector["canonical_encoding_hex"] or digest != vector["digest_hex"]:
            print(f"FAIL {vector['name']}: got {digest}")
            failures += 1
    for text, canonical in [("50", "50"), ("50.00", "50"), ("050.10", "50.1"),
                            ("-0.000", "0"), ("-0012.500", "-12.5"), ("0.01", "0.01")]:
        if canonical_amount(text) != canonical:
            print(f"FAIL canonical_amount({text!r}) = {canonical_amount(text)!r}")
            failures += 1
    for bad in ["", "1e3", "+1", ".5", "1."]:
        try:
            canonical_amount(bad)
            print(f"FAIL canonical_amount({bad!r}) accepted")
            failures += 1
        except ValueError:
            pass
    print(f"{len(vectors)} vectors, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
