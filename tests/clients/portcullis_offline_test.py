"""Unit tests of the Python client that need no gate: money, argument
types, the action digest against the published vectors, the approval
message and key files, the standing approval, revocation and amendment
messages against statements the C++ CLI signed (signing_vectors.json), and
where the gRPC stubs come from."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import decimal
import enum
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest
from typing import Dict, List

import nacl.signing

from portcullis import (
    Action, AmendmentProposal, Approval, Constraint, ConstraintOp, Money, StandingApproval,
    StandingRevocation, Verdict, action_digest, approval_message, canonical_amount,
    canonical_encoding, load_signing_key, proposal_id, revocation_message, sign_approval,
    sign_revocation, sign_standing, standing_message)
from portcullis import _stubs
from portcullis._stubs import StubsUnavailable
from portcullis.gate import PendingWatch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UTC = datetime.timezone.utc


class MoneyTest(unittest.TestCase):
    def test_a_float_amount_is_a_type_error(self) -> None:
        with self.assertRaises(TypeError):
            Money(0.1, "SAR")  # type: ignore[arg-type]  # what a caller might do

    def test_a_bool_amount_is_a_type_error(self) -> None:
        with self.assertRaises(TypeError):
            Money(True, "SAR")

    def test_decimal_str_and_int_are_exact_and_equal(self) -> None:
        self.assertEqual(Money(decimal.Decimal("50.00"), "SAR"), Money("50", "SAR"))
        self.assertEqual(Money(50, "SAR").amount, decimal.Decimal(50))
        self.assertEqual(Money("0.1", "SAR").amount, decimal.Decimal("0.1"))

    def test_the_wire_amount_never_has_an_exponent(self) -> None:
        self.assertEqual(Money(decimal.Decimal("1E+3"), "SAR").wire_amount, "1000")
        self.assertEqual(Money(decimal.Decimal("120.00"), "SAR").wire_amount, "120.00")

    def test_malformed_amounts_and_currencies_are_value_errors(self) -> None:
        for amount in ["1e3", "+1", ".5", "", "1,000", "NaN"]:
            with self.subTest(amount=amount), self.assertRaises(ValueError):
                Money(amount, "SAR")
        for number in [decimal.Decimal("NaN"), decimal.Decimal("Infinity"),
                       decimal.Decimal("1" * 19), decimal.Decimal("0." + "1" * 19)]:
            with self.subTest(amount=number), self.assertRaises(ValueError):
                Money(number, "SAR")
        for currency in ["sar", "SA", "SARR", ""]:
            with self.subTest(currency=currency), self.assertRaises(ValueError):
                Money("1", currency)


class Reason(enum.Enum):
    DAMAGED = "damaged"


class ActionTest(unittest.TestCase):
    def test_a_float_argument_is_a_type_error(self) -> None:
        with self.assertRaisesRegex(TypeError, "'value' is a float"):
            Action("al-noor", "bot", "create_coupon", {"value": 20.0})

    def test_a_float_inside_a_list_is_a_type_error(self) -> None:
        with self.assertRaises(TypeError):
            Action("al-noor", "bot", "tag_order", {"tags": ["a", 1.5]})

    def test_a_bare_decimal_needs_a_currency(self) -> None:
        with self.assertRaisesRegex(TypeError, "currency"):
            Action("al-noor", "bot", "create_coupon", {"value": decimal.Decimal("20")})

    def test_ints_outside_64_bits_are_refused(self) -> None:
        with self.assertRaises(ValueError):
            Action("al-noor", "bot", "t", {"n": 2**63})

    def test_string_enums_travel_as_strings_and_lists_as_tuples(self) -> None:
        action = Action("al-noor", "bot", "refund", {"reason": Reason.DAMAGED, "ids": ["a"]})
        self.assertEqual(action.arguments["reason"], "damaged")
        self.assertEqual(action.arguments["ids"], ("a",))

    def test_arguments_cannot_be_changed_after_creation(self) -> None:
        action = Action("al-noor", "bot", "t", {"n": 1})
        with self.assertRaises(TypeError):
            action.arguments["n"] = 2  # type: ignore[index]


class DigestTest(unittest.TestCase):
    def test_the_published_vectors(self) -> None:
        with open(os.path.join(ROOT, "docs", "action-digest-vectors.json"),
                  encoding="utf-8") as f:
            vectors = json.load(f)["vectors"]
        self.assertGreaterEqual(len(vectors), 4)
        for vector in vectors:
            with self.subTest(vector["name"]):
                action = Action.from_json(vector["action"])
                self.assertEqual(canonical_encoding(action).hex(),
                                 vector["canonical_encoding_hex"])
                self.assertEqual(action_digest(action).hex(), vector["digest_hex"])
                self.assertEqual(action_digest(vector["action"]).hex(), vector["digest_hex"])

    def test_a_typed_action_digests_like_its_json_form(self) -> None:
        typed = Action("al-noor", "support-bot", "create_coupon",
                       {"value": Money(decimal.Decimal("50.00"), "SAR"), "code": "WELCOME10"},
                       idempotency_key="coupon-7")
        self.assertEqual(action_digest(typed).hex(),
                         "b89d6ed1132858b78bbd23f11ea92c337c817f80d259e784ff6b8cb9edde82be")

    def test_canonical_amounts(self) -> None:
        for text, canonical in [("50", "50"), ("50.00", "50"), ("050.10", "50.1"),
                                ("-0.000", "0"), ("-0012.500", "-12.5"), ("0.01", "0.01")]:
            self.assertEqual(canonical_amount(text), canonical)
        for bad in ["", "1e3", "+1", ".5", "1."]:
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                canonical_amount(bad)


def _str(text: str) -> bytes:
    data = text.encode()
    return struct.pack(">I", len(data)) + data


class SigningTest(unittest.TestCase):
    APPROVAL = Approval(
        tenant="al-noor", decision_id="3f0c6c1b9a2e4d7f8a1b2c3d4e5f6a7b",
        action_digest=bytes(range(32)), verdict=Verdict.APPROVE,
        expires_at=datetime.datetime(2026, 11, 21, 10, 0, 0, 123456, tzinfo=UTC),
        approver_id="alice", comment="photos checked")

    def test_the_message_is_laid_out_as_docs_approvals_md_says(self) -> None:
        nanos = 1795255200 * 10**9 + 123456000  # 2026-11-21T10:00:00.123456Z
        expected = (b"portcullis/approval/v1\x00" + _str("al-noor") +
                    _str("3f0c6c1b9a2e4d7f8a1b2c3d4e5f6a7b") +
                    struct.pack(">I", 32) + bytes(range(32)) + b"\x01" +
                    struct.pack(">q", nanos) + _str("alice") + _str("photos checked"))
        self.assertEqual(approval_message(self.APPROVAL), expected)

    def test_the_signature_verifies_with_the_approvers_public_key(self) -> None:
        key = nacl.signing.SigningKey.generate()
        signature = sign_approval(self.APPROVAL, key)
        self.assertEqual(len(signature), 64)
        key.verify_key.verify(approval_message(self.APPROVAL), signature)  # raises if not
        self.assertEqual(signature, sign_approval(self.APPROVAL, bytes(key)))

    def test_a_naive_expiry_is_refused(self) -> None:
        naive = dataclasses.replace(self.APPROVAL, expires_at=datetime.datetime(2026, 1, 1))
        with self.assertRaises(ValueError):
            approval_message(naive)

    def test_key_files_of_portcullis_keys_generate_load(self) -> None:
        key = nacl.signing.SigningKey.generate()
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "alice.key")
            with open(path, "wb") as f:
                f.write(base64.b64encode(bytes(key)) + b"\n")
            self.assertEqual(bytes(load_signing_key(path)), bytes(key))
            with open(path, "w") as f:
                f.write("not-a-key-secret-material")
            with self.assertRaises(ValueError) as raised:
                load_signing_key(path)
            self.assertNotIn("secret-material", str(raised.exception))


class AmendmentMessageTest(unittest.TestCase):
    PROPOSAL = AmendmentProposal(rule='rule r "d" allow', rationale="we always approve these",
                                 tool="refund_order")

    def test_a_proposal_follows_the_comment_and_none_changes_nothing(self) -> None:
        plain = approval_message(SigningTest.APPROVAL)
        amended = dataclasses.replace(SigningTest.APPROVAL, amendment=self.PROPOSAL)
        self.assertEqual(approval_message(amended),
                         plain + b"\x01" + _str("refund_order") + _str('rule r "d" allow') +
                         _str("we always approve these"))
        self.assertIsNone(proposal_id(SigningTest.APPROVAL))

    def test_the_proposal_id_hashes_the_signed_statement(self) -> None:
        amended = dataclasses.replace(SigningTest.APPROVAL, amendment=self.PROPOSAL)
        expected = hashlib.blake2b(b"portcullis/amendment/v1\x00" + approval_message(amended),
                                   digest_size=32).digest()[:8].hex()
        self.assertEqual(proposal_id(amended), expected)
        other = dataclasses.replace(amended, amendment=dataclasses.replace(
            self.PROPOSAL, rationale="another reason"))
        self.assertNotEqual(proposal_id(other), expected)


class StandingMessageTest(unittest.TestCase):
    START = datetime.datetime(2026, 1, 4, 12, 0, tzinfo=UTC)
    STANDING = StandingApproval(
        tenant="al-noor", id="damaged-small", tool="refund_order",
        constraints=(Constraint("amount", "<=", Money("100", "SAR")),
                     Constraint("items", ConstraintOp.GT, -2),
                     Constraint("gift", "==", False), Constraint("reason", "!=", "late")),
        not_before=START, not_after=START + datetime.timedelta(hours=72), max_uses=50,
        approver_id="alice", comment="damaged items")

    def test_the_message_is_laid_out_as_docs_approvals_md_says(self) -> None:
        start = 1767528000 * 10**9
        expected = (b"portcullis/standing/v1\x00" + _str("al-noor") + _str("damaged-small") +
                    _str("refund_order") + struct.pack(">I", 4) +
                    _str("amount") + b"\x04" + b"m" + _str("SAR") + _str("100") +
                    _str("items") + b"\x05" + b"i" + struct.pack(">q", -2) +
                    _str("gift") + b"\x01" + b"b\x00" +
                    _str("reason") + b"\x02" + b"s" + _str("late") +
                    struct.pack(">q", start) + struct.pack(">q", start + 72 * 3600 * 10**9) +
                    struct.pack(">I", 50) + _str("alice") + _str("damaged items"))
        self.assertEqual(standing_message(self.STANDING), expected)

    def test_money_is_encoded_canonically(self) -> None:
        padded = dataclasses.replace(self.STANDING, constraints=(
            Constraint("amount", "<=", Money("0100.50", "SAR")),))
        self.assertIn(b"m" + _str("SAR") + _str("100.5"), standing_message(padded))

    def test_every_field_is_covered(self) -> None:
        message = standing_message(self.STANDING)
        for change in ({"tenant": "other"}, {"id": "other"}, {"tool": "cancel_order"},
                       {"constraints": self.STANDING.constraints[:1]},
                       {"not_before": self.START + datetime.timedelta(microseconds=1)},
                       {"not_after": self.START + datetime.timedelta(hours=73)},
                       {"max_uses": 51}, {"approver_id": "bob"}, {"comment": ""}):
            self.assertNotEqual(standing_message(dataclasses.replace(self.STANDING, **change)),
                                message, change)

    def test_the_revocation_message(self) -> None:
        revocation = StandingRevocation("al-noor", "damaged-small", "alice", "batch handled")
        self.assertEqual(revocation_message(revocation),
                         b"portcullis/standing-revocation/v1\x00" + _str("al-noor") +
                         _str("damaged-small") + _str("alice") + _str("batch handled"))

    def test_a_naive_window_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            standing_message(dataclasses.replace(self.STANDING,
                                                 not_before=datetime.datetime(2026, 1, 1)))

    def test_constraint_values_are_checked_when_built(self) -> None:
        with self.assertRaises(TypeError):
            Constraint("amount", "<=", 100.0)  # a float is not exact
        with self.assertRaises(TypeError):
            Constraint("amount", "<=", decimal.Decimal("100"))  # money needs a currency
        with self.assertRaises(TypeError):
            Constraint("tags", "==", ("a", "b"))  # lists cannot constrain
        with self.assertRaises(ValueError):
            Constraint("amount", "=<", Money("1", "SAR"))
        self.assertEqual(Constraint("reason", "==", Reason.DAMAGED).value, "damaged")
        self.assertEqual(str(self.STANDING.constraints[0]), "amount <= 100 SAR")


def _vector_value(value: Dict[str, object]) -> object:
    if "money" in value:
        money = value["money"]
        assert isinstance(money, dict)
        return Money(money["amount"], money["currency"])
    if "int" in value:
        return int(str(value["int"]))
    if "bool" in value:
        return value["bool"]
    return value["string"]


def _when(nanos: str) -> datetime.datetime:
    seconds, rest = divmod(int(nanos), 10**9)
    assert rest % 1000 == 0
    return datetime.datetime.fromtimestamp(seconds, UTC) + datetime.timedelta(
        microseconds=rest // 1000)


class CliVectorsTest(unittest.TestCase):
    """Statements the C++ CLI signed with a fixed key (written by
    make_signing_vectors.py): the client's message must be the signed bytes,
    and its signature with the same key the CLI's (Ed25519 is
    deterministic)."""

    @classmethod
    def setUpClass(cls) -> None:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "signing_vectors.json")) as f:
            cls.vectors = json.load(f)
        cls.key = nacl.signing.SigningKey(base64.b64decode(cls.vectors["seed"]))

    def check(self, message: bytes, signature: bytes, vector: Dict[str, str]) -> None:
        self.assertEqual(message.hex(), vector["message"])
        self.assertEqual(signature.hex(), vector["signature"])
        self.key.verify_key.verify(message, signature)

    def test_standing_approvals(self) -> None:
        self.assertGreaterEqual(len(self.vectors["standing"]), 2)
        for v in self.vectors["standing"]:
            standing = StandingApproval(
                tenant=v["tenant"], id=v["id"], tool=v["tool"],
                constraints=tuple(Constraint(c["argument"], c["op"], _vector_value(c["value"]))
                                  for c in v["constraints"]),
                not_before=_when(v["notBeforeUnixNanos"]),
                not_after=_when(v["notAfterUnixNanos"]), max_uses=v["maxUses"],
                approver_id=v["approverId"], comment=v["comment"])
            self.check(standing_message(standing), sign_standing(standing, self.key), v)

    def test_revocations(self) -> None:
        self.assertGreaterEqual(len(self.vectors["revocation"]), 1)
        for v in self.vectors["revocation"]:
            revocation = StandingRevocation(v["tenant"], v["id"], v["approverId"], v["reason"])
            self.check(revocation_message(revocation), sign_revocation(revocation, self.key), v)

    def test_approvals_with_a_proposal(self) -> None:
        self.assertGreaterEqual(len(self.vectors["approval"]), 1)
        for v in self.vectors["approval"]:
            approval = Approval(
                tenant=v["tenant"], decision_id=v["decisionId"],
                action_digest=bytes.fromhex(v["actionDigest"]),
                verdict=Verdict.APPROVE if v["verdict"] == "approve" else Verdict.DENY,
                expires_at=_when(v["expiresAtUnixNanos"]), approver_id=v["approverId"],
                comment=v["comment"], amendment=AmendmentProposal(**v["proposal"]))
            self.check(approval_message(approval), sign_approval(approval, self.key), v)
            self.assertEqual(proposal_id(approval), v["proposalId"])


class FakeStream:
    """Stands in for a WatchPending call: yields the given messages."""

    def __init__(self, messages: List[object]) -> None:
        self._messages = iter(messages)
        self.cancelled = False

    def __next__(self) -> object:
        return next(self._messages)

    def cancel(self) -> None:
        self.cancelled = True


class PendingWatchTest(unittest.TestCase):
    def event(self, kind: int, decision_id: str) -> object:
        pb = _stubs.load()
        message = pb.gate.PendingEvent(kind=kind)
        message.pending.decision.decision_id = decision_id
        message.pending.decision.outcome = 3
        return message

    def test_a_request_is_announced_once_until_it_is_resolved(self) -> None:
        stream = FakeStream([self.event(1, "a" * 32), self.event(1, "a" * 32),
                             self.event(1, "b" * 32), self.event(2, "a" * 32),
                             self.event(3, "a" * 32), self.event(1, "a" * 32)])
        with PendingWatch(stream, None) as watch:
            seen = [(e.kind.name, e.pending.decision.decision_id[0]) for e in watch]
        self.assertEqual(seen, [("ADDED", "a"), ("ADDED", "b"), ("UPDATED", "a"),
                                ("RESOLVED", "a"), ("ADDED", "a")])
        self.assertTrue(stream.cancelled)

    def test_another_replicas_request_is_removed_without_a_decision(self) -> None:
        stream = FakeStream([self.event(1, "c" * 32), self.event(4, "c" * 32),
                             self.event(1, "c" * 32), self.event(5, "c" * 32)])
        with PendingWatch(stream, None) as watch:
            seen = [(e.kind.name, e.decision is None) for e in watch]
        # REMOVED ends the announcement like RESOLVED; an unknown kind is
        # skipped.
        self.assertEqual(seen, [("ADDED", True), ("REMOVED", True), ("ADDED", True)])


class StubsTest(unittest.TestCase):
    """The stubs come from the build (PORTCULLIS_STUBS_DIR) or, without
    one, are generated into a per-user cache from proto/."""

    def _python(self, env: Dict[str, str], code: str) -> "subprocess.CompletedProcess[str]":
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, timeout=120)

    def test_without_built_stubs_they_are_generated_into_the_cache(self) -> None:
        with tempfile.TemporaryDirectory() as cache:
            env = {k: v for k, v in os.environ.items() if k != "PORTCULLIS_STUBS_DIR"}
            env["XDG_CACHE_HOME"] = cache
            code = ("import portcullis, portcullis._stubs as s; m = s.load(); "
                    "print(s.stubs_dir()); print(m.gate.EvaluateRequest.DESCRIPTOR.full_name)")
            first = self._python(env, code)
            self.assertEqual(first.returncode, 0, first.stderr)
            where, name = first.stdout.split()
            self.assertTrue(where.startswith(cache), where)
            self.assertEqual(name, "portcullis.v1.EvaluateRequest")
            second = self._python(env, code)
            self.assertEqual(second.stdout.split()[0], where)

    def test_a_stubs_dir_without_stubs_is_refused(self) -> None:
        with tempfile.TemporaryDirectory() as empty:
            env = dict(os.environ, PORTCULLIS_STUBS_DIR=empty)
            result = self._python(env, "import portcullis; portcullis.Gate('127.0.0.1:1')")
            self.assertNotEqual(result.returncode, 0)
            self.assertIn(StubsUnavailable.__name__, result.stderr)
            self.assertIn("portcullis_python_stubs", result.stderr)


if __name__ == "__main__":
    unittest.main()
