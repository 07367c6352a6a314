"""Standing approvals and approvals that propose policy, signed by the
Python client and checked by a real portcullisd (port 0, a temporary data
directory): a grant allows matching actions citing ``standing:<id>``, a
statement altered after signing is refused, a revocation ends it, the
listing counts uses; an approval carrying an amendment answers the id the
client computes, a rule that does not compile is refused; the fatigue cap
surfaces as ``ResourceExhausted`` with the gate's message.

usage: portcullis_standing_test.py PORTCULLISD [unittest args]
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import sys
import unittest
from typing import Any

from gate_process import GateProcess
from portcullis import (
    AlreadyExists, AmendmentProposal, Approval, Constraint, ConstraintOp, FailedPrecondition,
    Gate, InvalidAction, Money, NotFound, Outcome, PendingApproval, PermissionDenied,
    ResourceExhausted, StandingApproval, StandingRevocation, Verdict, action_digest,
    proposal_id, sign_approval, sign_revocation, sign_standing)

PORTCULLISD = ""

POLICY = """
policy "shop" version "py-standing-1"
tenant "al-noor" {
  tool refund_order {
    class write
    arg order_id: string
    arg amount: money(SAR)
    arg reason: enum(damaged, late, other)
    arg items: int
    arg gift: bool
    rule refunds "refunds need the owner"
      approve by owner expires 1h
  }
  tool cancel_order {
    class write
    arg order_id: string
    rule cancellations "cancellations need two owners"
      approve by owner quorum 2 expires 1h
  }
}
"""

HOUR = datetime.timedelta(hours=1)


def sar(amount: str) -> Money:
    return Money(amount, "SAR")


class StandingTestCase(unittest.TestCase):
    """One gate per test: a standing approval of one test would allow the
    actions of another."""

    extra_config = ""

    def setUp(self) -> None:
        self.running = GateProcess(PORTCULLISD, policy=POLICY,
                                   extra_config=self.extra_config).start()
        self.addCleanup(self.running.__exit__, None, None, None)
        self.agent = Gate(self.running.tcp_target, token=self.running.agent_token,
                          tenant="al-noor", agent="support-bot")
        self.approver = Gate(self.running.tcp_target, token=self.running.approver_token,
                             tenant="al-noor")
        self.key = self.running.alice

    def tearDown(self) -> None:
        self.agent.close()
        self.approver.close()

    def refund(self, order_id: str, amount: str, reason: str = "damaged", items: int = 1,
               gift: bool = False) -> Any:
        return self.agent.evaluate(self.agent.action(
            "refund_order", {"order_id": order_id, "amount": sar(amount), "reason": reason,
                             "items": items, "gift": gift}))

    def pending_refund(self, order_id: str, amount: str = "250.00") -> PendingApproval:
        decision = self.refund(order_id, amount)
        self.assertIs(decision.outcome, Outcome.PENDING_APPROVAL)
        return next(p for p in self.approver.list_pending()
                    if p.decision.decision_id == decision.decision_id)

    def grant(self, standing_id: str, **overrides: Any) -> Any:
        arguments: dict = dict(
            standing_id=standing_id, key=self.key, approver_id="alice", max_uses=5,
            window=HOUR, constraints=[("amount", "<=", sar("100")),
                                      ("reason", "==", "damaged")],
            comment="damaged items")
        arguments.update(overrides)
        return self.approver.grant_standing("refund_order", **arguments)


class StandingApprovalTest(StandingTestCase):
    def test_a_grant_signed_here_allows_matching_actions_citing_it(self) -> None:
        status = self.grant("damaged-small")
        self.assertEqual(status.approval.id, "damaged-small")
        self.assertEqual(status.uses, 0)
        self.assertFalse(status.revoked)
        self.assertGreater(status.ledger_sequence, 0)

        allowed = self.refund("A-1", "75.00")
        self.assertIs(allowed.outcome, Outcome.ALLOW)
        self.assertEqual(allowed.rule_ids[0], "standing:damaged-small")
        # Outside the constraints it still waits for a person.
        self.assertIs(self.refund("A-2", "150.00").outcome, Outcome.PENDING_APPROVAL)
        self.assertIs(self.refund("A-3", "50.00", reason="late").outcome,
                      Outcome.PENDING_APPROVAL)

    def test_the_listing_shows_the_statement_and_its_uses(self) -> None:
        granted = self.grant("listed", max_uses=3,
                             constraints=[Constraint("amount", ConstraintOp.LT, sar("60.50"))])
        self.refund("L-1", "10")
        self.refund("L-2", "20")
        listed = {s.approval.id: s for s in self.approver.list_standing()}
        status = listed["listed"]
        self.assertEqual(status.uses, 2)
        self.assertEqual(status.uses_left, 1)
        self.assertEqual(status.approval, granted.approval)
        self.assertEqual(status.approval.constraints,
                         (Constraint("amount", "<", sar("60.5")),))
        self.assertEqual(status.approval.approver_id, "alice")
        self.assertEqual(status.approval.not_after - status.approval.not_before, HOUR)
        self.refund("L-3", "30")
        self.assertIs(self.refund("L-4", "40").outcome, Outcome.PENDING_APPROVAL)  # used up

    def test_int_bool_and_enum_constraints_are_signed_as_the_gate_encodes_them(self) -> None:
        self.grant("typed", constraints=[("items", ">=", 2), ("items", "!=", 7),
                                         ("gift", "==", True), ("reason", "!=", "other"),
                                         ("amount", ">", sar("-1"))])
        allowed = self.refund("T-1", "500", reason="late", items=3, gift=True)
        self.assertIs(allowed.outcome, Outcome.ALLOW)
        self.assertEqual(allowed.rule_ids[0], "standing:typed")
        self.assertIs(self.refund("T-2", "500", reason="late", items=7, gift=True).outcome,
                      Outcome.PENDING_APPROVAL)
        self.assertIs(self.refund("T-3", "500", reason="late", items=3, gift=False).outcome,
                      Outcome.PENDING_APPROVAL)

    def test_a_field_altered_after_signing_is_permission_denied(self) -> None:
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        standing = StandingApproval(
            tenant="al-noor", id="altered", tool="refund_order",
            constraints=(Constraint("amount", "<=", sar("100")),),
            not_before=now, not_after=now + HOUR, max_uses=1, approver_id="alice")
        signature = sign_standing(standing, self.key)
        for altered in (dataclasses.replace(standing, max_uses=100),
                        dataclasses.replace(standing, constraints=(
                            Constraint("amount", "<=", sar("1000")),)),
                        dataclasses.replace(standing, not_after=now + 2 * HOUR),
                        dataclasses.replace(standing, comment="changed")):
            with self.assertRaises(PermissionDenied):
                self.approver.send_standing(altered, signature)
        # The statement as signed is accepted.
        self.assertEqual(self.approver.send_standing(standing, signature).approval, standing)

    def test_a_revocation_ends_it_and_the_next_action_waits(self) -> None:
        self.grant("revoked")
        self.assertIs(self.refund("R-1", "10").outcome, Outcome.ALLOW)
        status = self.approver.revoke_standing("revoked", key=self.key, approver_id="alice",
                                               reason="batch handled")
        self.assertTrue(status.revoked)
        self.assertEqual(status.revoked_by, "alice")
        self.assertEqual(status.uses, 1)
        self.assertEqual(status.uses_left, 0)
        self.assertIs(self.refund("R-2", "10").outcome, Outcome.PENDING_APPROVAL)
        listed = {s.approval.id: s for s in self.approver.list_standing()}
        self.assertTrue(listed["revoked"].revoked)
        with self.assertRaises(FailedPrecondition):
            self.approver.revoke_standing("revoked", key=self.key, approver_id="alice")

    def test_a_revocation_altered_after_signing_is_permission_denied(self) -> None:
        self.grant("kept")
        revocation = StandingRevocation(tenant="al-noor", id="kept", approver_id="alice",
                                        reason="done")
        signature = sign_revocation(revocation, self.key)
        with self.assertRaises(PermissionDenied):
            self.approver.send_revocation(dataclasses.replace(revocation, reason="other"),
                                          signature)
        self.assertIs(self.refund("K-1", "10").outcome, Outcome.ALLOW)
        self.assertTrue(self.approver.send_revocation(revocation, signature).revoked)

    def test_the_gate_refusals_are_typed_errors_with_its_message(self) -> None:
        self.grant("taken")
        with self.assertRaises(AlreadyExists) as taken:
            self.grant("taken")
        self.assertIsInstance(taken.exception, FailedPrecondition)
        with self.assertRaises(InvalidAction) as currency:
            self.grant("usd", constraints=[("amount", "<=", Money("100", "USD"))])
        self.assertIn("amount", currency.exception.message)
        with self.assertRaises(InvalidAction):
            self.grant("too-long", window=datetime.timedelta(days=40))
        with self.assertRaises(FailedPrecondition):  # quorum 2: no one approver alone
            self.approver.grant_standing("cancel_order", standing_id="cancels", key=self.key,
                                         approver_id="alice", max_uses=1, window=HOUR)
        with self.assertRaises(NotFound):
            self.approver.revoke_standing("never-granted", key=self.key, approver_id="alice")


class AmendmentProposalTest(StandingTestCase):
    RULE = ('rule damaged-refunds "refunds up to 100 SAR for damaged items" '
            'allow when args.amount <= 100 SAR and args.reason == "damaged"')

    def test_an_approval_with_a_proposal_answers_its_id(self) -> None:
        pending = self.pending_refund("P-1")
        result = self.approver.approve(
            pending, key=self.key, approver_id="alice", comment="photos checked",
            proposal=AmendmentProposal(self.RULE, "we always approve these"))
        self.assertIs(result.decision.outcome, Outcome.ALLOW)
        self.assertIsNotNone(result.proposal_id)
        self.assertRegex(result.proposal_id or "", r"^[0-9a-f]{16}$")

    def test_the_proposal_id_is_the_one_computed_from_the_signed_statement(self) -> None:
        pending = self.pending_refund("P-2")
        approval = Approval(
            tenant="al-noor", decision_id=pending.decision.decision_id,
            action_digest=action_digest(pending.action), verdict=Verdict.APPROVE,
            expires_at=datetime.datetime.now(datetime.timezone.utc) + HOUR,
            approver_id="alice", comment="ok",
            amendment=AmendmentProposal(self.RULE.replace("damaged-refunds", "computed"),
                                        "same id both sides", tool="refund_order"))
        result = self.approver.send_approval(approval, sign_approval(approval, self.key))
        # The gate hashes its own encoding of the statement: equal ids mean
        # equal bytes.
        self.assertEqual(result.proposal_id, proposal_id(approval))

    def test_an_approval_without_a_proposal_has_no_id(self) -> None:
        result = self.approver.approve(self.pending_refund("P-3"), key=self.key,
                                       approver_id="alice")
        self.assertIs(result.decision.outcome, Outcome.ALLOW)
        self.assertIsNone(result.proposal_id)

    def test_a_proposal_added_after_signing_is_permission_denied(self) -> None:
        pending = self.pending_refund("P-4")
        approval = Approval(
            tenant="al-noor", decision_id=pending.decision.decision_id,
            action_digest=action_digest(pending.action), verdict=Verdict.APPROVE,
            expires_at=datetime.datetime.now(datetime.timezone.utc) + HOUR,
            approver_id="alice")
        signature = sign_approval(approval, self.key)
        proposal = AmendmentProposal(self.RULE, "smuggled", tool="refund_order")
        with self.assertRaises(PermissionDenied):
            self.approver.send_approval(dataclasses.replace(approval, amendment=proposal),
                                        signature)

    def test_a_proposal_that_does_not_compile_is_refused_and_nothing_counted(self) -> None:
        pending = self.pending_refund("P-5")
        with self.assertRaises(InvalidAction) as raised:
            self.approver.approve(
                pending, key=self.key, approver_id="alice",
                proposal=AmendmentProposal('rule r "d"\n  deny when args.amount > 20 USD',
                                           "a wrong currency"))
        self.assertRegex(raised.exception.message, re.compile(r"proposal:2:\d+: "))
        still = self.agent.await_decision(pending.decision, timeout=0)
        self.assertIs(still.outcome, Outcome.PENDING_APPROVAL)

    def test_a_refusal_can_propose_a_deny_rule(self) -> None:
        result = self.approver.deny(
            self.pending_refund("P-6", "900"), key=self.key, approver_id="alice",
            reason="too much",
            proposal=AmendmentProposal('rule huge-refunds "no refunds over 800 SAR" '
                                       'deny when args.amount > 800 SAR', "never that much"))
        self.assertIs(result.decision.outcome, Outcome.DENY)
        self.assertRegex(result.proposal_id or "", r"^[0-9a-f]{16}$")


class FatigueCapTest(StandingTestCase):
    extra_config = ("approvals:\n"
                    "  fatigueCap:\n"
                    "    maxPerWindow: 2\n"
                    "    window: 3600s\n")

    def test_over_the_cap_is_resource_exhausted_with_the_gates_message(self) -> None:
        self.grant("first")
        self.approver.approve(self.pending_refund("F-1"), key=self.key, approver_id="alice")
        with self.assertRaises(ResourceExhausted) as raised:
            self.grant("second")
        self.assertIn("fatigue cap", raised.exception.message)
        with self.assertRaises(ResourceExhausted):
            self.approver.approve(self.pending_refund("F-2"), key=self.key, approver_id="alice")
        # A refusal and a revocation are never capped.
        self.assertIs(self.approver.deny(self.pending_refund("F-3"), key=self.key,
                                         approver_id="alice", reason="no").decision.outcome,
                      Outcome.DENY)
        self.assertTrue(self.approver.revoke_standing("first", key=self.key,
                                                      approver_id="alice").revoked)


if __name__ == "__main__":
    PORTCULLISD = sys.argv.pop(1)
    unittest.main()
