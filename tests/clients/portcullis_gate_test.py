"""The Python client against a real portcullisd (port 0, a temporary data
directory, a Unix socket): decisions, the gated decorator through allow,
deny and approval, typed errors, approvals signed here and verified by the
gate, receipts verified here.

usage: portcullis_gate_test.py PORTCULLISD [unittest args]
"""

from __future__ import annotations

import asyncio
import dataclasses
import decimal
import queue
import sys
import threading
import time
import unittest
from typing import Any, Dict, List

import grpc
import nacl.signing

from gate_process import GateProcess
from portcullis import (
    Action, AlreadyExecuted, ApprovalTimeout, Cancelled, CancelToken, Denied, ExecutionOutcome,
    FailedPrecondition, Gate, GateUnavailable, Grant, InvalidAction, Money, NotFound, Outcome,
    PendingEventKind, PermissionDenied, ResourceExhausted, Unauthenticated, Verdict,
    action_digest, current_grant, gated, guard, sign_approval, verify_receipt)
from portcullis.signing import Approval

PORTCULLISD = ""


def sar(amount: str) -> Money:
    return Money(decimal.Decimal(amount), "SAR")


class CallCounter(grpc.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Counts the unary calls a Gate sends."""

    def __init__(self) -> None:
        self.calls: List[str] = []

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        self.calls.append(details.method)
        return continuation(details, request)


class GateTestCase(unittest.TestCase):
    """One gate per class; every test makes its own decisions."""

    running: GateProcess

    @classmethod
    def setUpClass(cls) -> None:
        cls.running = GateProcess(PORTCULLISD).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.running.__exit__(None, None, None)

    def setUp(self) -> None:
        self.counter = CallCounter()
        self.agent = Gate(self.running.tcp_target, token=self.running.agent_token,
                          tenant="al-noor", agent="support-bot", interceptors=[self.counter])
        self.approver = Gate(self.running.tcp_target, token=self.running.approver_token,
                             tenant="al-noor")

    def tearDown(self) -> None:
        self.agent.close()
        self.approver.close()

    def approve_when_pending(self, order_id: str, results: "queue.Queue[Any]",
                             ready: threading.Event) -> None:
        """As the approver: watch the queue, approve the request for
        ``order_id`` when it comes, then hand over its RESOLVED event."""
        try:
            with self.approver.watch_pending() as watch:
                ready.set()
                for event in watch:
                    if event.pending.action.arguments.get("order_id") != order_id:
                        continue  # another test's request
                    if event.kind is PendingEventKind.ADDED:
                        self.approver.approve(event.pending, key=self.running.alice,
                                              approver_id="alice", comment="checked")
                    elif event.kind is PendingEventKind.RESOLVED:
                        results.put(event)
                        return
        except Exception as error:  # handed to the test thread
            ready.set()
            results.put(error)


class DecisionsTest(GateTestCase):
    def test_allow_carries_the_rules_policy_ledger_sequence_and_digest(self) -> None:
        action = self.agent.action("create_coupon", {"code": "W10", "value": sar("50.00")},
                                   idempotency_key="c-1")
        decision = self.agent.evaluate(action)
        self.assertIs(decision.outcome, Outcome.ALLOW)
        self.assertEqual(decision.rule_ids, ("coupons",))
        self.assertEqual(decision.reasons, ("coupons within the cap are fine",))
        self.assertEqual(decision.policy and decision.policy.version, "py-client-1")
        self.assertGreater(decision.ledger_sequence, 0)
        self.assertEqual(decision.action_digest, action_digest(action))
        self.assertEqual(decision.tenant, "al-noor")
        self.assertRegex(decision.decision_id, "^[0-9a-f]{32}$")

    def test_list_tools_names_the_declared_tools_and_their_typed_arguments(self) -> None:
        tools = self.agent.list_tools()
        self.assertEqual(tools.names(), ("create_coupon", "refund_order", "tag_order"))
        self.assertEqual(tools.policy_version, "py-client-1")
        self.assertTrue(tools.policy_hash)
        coupon = tools.tools[0]
        self.assertEqual([(a.name, a.type, a.optional) for a in coupon.arguments],
                         [("code", "string", False), ("value", "money(SAR)", False)])
        tags = {a.name: a.type for a in tools.tools[2].arguments}
        self.assertEqual(tags["tags"], "list(of string)")

    def test_list_tools_of_a_tenant_not_ones_own_is_permission_denied(self) -> None:
        with self.assertRaises(PermissionDenied):
            self.agent.list_tools("desert-books")

    def test_deny_is_a_decision_with_reasons_and_rule_ids(self) -> None:
        decision = self.agent.evaluate(
            self.agent.action("create_coupon", {"code": "W10", "value": sar("50.01")}))
        self.assertIs(decision.outcome, Outcome.DENY)
        self.assertEqual(decision.rule_ids, ("coupon-cap",))
        self.assertEqual(decision.reasons, ("coupons are capped at 50 SAR",))

    def test_lists_bools_and_ints_reach_the_gate_and_digest_alike(self) -> None:
        action = self.agent.action("tag_order", {"order_id": "AN-1", "tags": ["vip", "late"],
                                                 "urgent": True, "count": -3})
        decision = self.agent.evaluate(action)
        self.assertIs(decision.outcome, Outcome.ALLOW)
        self.assertEqual(decision.action_digest, action_digest(action))

    def test_execute_returns_a_receipt_the_gates_key_verifies(self) -> None:
        action = self.agent.action("create_coupon", {"code": "W10", "value": sar("5")})
        decision = self.agent.evaluate(action)
        execution = self.agent.execute(decision, action)
        receipt = execution.receipt
        self.assertEqual((receipt.tenant, receipt.decision_id, receipt.tool),
                         ("al-noor", decision.decision_id, "create_coupon"))
        self.assertEqual(receipt.action_digest, action_digest(action))
        self.assertTrue(verify_receipt(receipt, self.running.gate_public_key))
        forged = dataclasses.replace(receipt, tool="refund_order")
        self.assertFalse(verify_receipt(forged, self.running.gate_public_key))
        self.assertEqual(self.agent.execute(decision, action).receipt, receipt)  # a retry
        sequence = self.agent.report_outcome(decision, ExecutionOutcome.SUCCEEDED, "ok")
        self.assertGreater(sequence, receipt.ledger_sequence)

    def test_execute_with_another_action_is_refused(self) -> None:
        action = self.agent.action("create_coupon", {"code": "W10", "value": sar("5")})
        decision = self.agent.evaluate(action)
        other = self.agent.action("create_coupon", {"code": "W10", "value": sar("6")})
        with self.assertRaises(FailedPrecondition) as raised:
            self.agent.execute(decision, other)
        self.assertIs(raised.exception.code, grpc.StatusCode.FAILED_PRECONDITION)

    def test_a_unix_socket_target_identifies_the_caller_by_uid(self) -> None:
        with Gate(self.running.unix_target, tenant="al-noor", agent="local-bot") as local:
            decision = local.evaluate(
                local.action("create_coupon", {"code": "U1", "value": sar("1")}))
        self.assertIs(decision.outcome, Outcome.ALLOW)


class DecoratorTest(GateTestCase):
    def test_allow_executes_runs_the_tool_once_and_reports_its_outcome(self) -> None:
        ran: List[Grant] = []

        @gated(self.agent)
        def create_coupon(code: str, value: Money) -> str:
            ran.append(current_grant())
            return f"coupon {code}"

        self.assertEqual(create_coupon("W10", sar("20")), "coupon W10")
        self.assertEqual(len(ran), 1)
        grant = ran[0]
        self.assertIs(grant.decision.outcome, Outcome.ALLOW)
        self.assertTrue(verify_receipt(grant.receipt, self.running.gate_public_key))
        self.assertEqual(self.counter.calls, ["/portcullis.v1.Gate/Evaluate",
                                              "/portcullis.v1.Gate/Execute",
                                              "/portcullis.v1.Gate/ReportOutcome"])
        self.assertGreater(grant.outcome_sequence or 0, grant.receipt.ledger_sequence)
        with self.assertRaisesRegex(FailedPrecondition, "already reported"):
            self.agent.report_outcome(grant.decision, ExecutionOutcome.SUCCEEDED)

    def test_deny_raises_denied_with_reasons_and_rule_ids_and_runs_nothing(self) -> None:
        ran: List[str] = []

        @gated(self.agent)
        def create_coupon(code: str, value: Money) -> None:
            ran.append(code)

        with self.assertRaises(Denied) as raised:
            create_coupon("W10", sar("75.00"))
        self.assertEqual(raised.exception.rule_ids, ("coupon-cap",))
        self.assertEqual(raised.exception.reasons, ("coupons are capped at 50 SAR",))
        self.assertIs(raised.exception.decision.outcome, Outcome.DENY)
        self.assertEqual(ran, [])
        self.assertEqual(self.counter.calls, ["/portcullis.v1.Gate/Evaluate"])

    def test_float_money_is_a_type_error_before_anything_is_sent(self) -> None:
        ran: List[str] = []

        @gated(self.agent)
        def create_coupon(code: str, value: Any) -> None:
            ran.append(code)

        with self.assertRaises(TypeError):
            create_coupon("W10", 20.0)
        with self.assertRaises(TypeError):
            self.agent.action("create_coupon", {"code": "W10", "value": 20.0})
        self.assertEqual((self.counter.calls, ran), ([], []))

    def test_pending_is_approved_then_executed_and_reported(self) -> None:
        results: "queue.Queue[Any]" = queue.Queue()
        ready = threading.Event()
        approver = threading.Thread(target=self.approve_when_pending,
                                    args=("AN-100200", results, ready))
        approver.start()
        ready.wait(30)
        ran: List[Grant] = []

        @gated(self.agent, approval_timeout=30)
        def refund_order(order_id: str, amount: Money) -> str:
            ran.append(current_grant())
            return "refunded"

        try:
            self.assertEqual(refund_order("AN-100200", sar("120.00")), "refunded")
        finally:
            approver.join(30)
        event = results.get(timeout=30)
        if isinstance(event, Exception):
            raise event
        grant = ran[0]
        self.assertIs(event.decision.outcome, Outcome.ALLOW)
        self.assertEqual(event.pending.decision.decision_id, grant.decision.decision_id)
        self.assertEqual(grant.decision.rule_ids, ("refunds",))
        self.assertEqual(grant.receipt.decision_id, grant.decision.decision_id)
        self.assertIsNotNone(grant.outcome_sequence)
        self.assertEqual(self.counter.calls, [
            "/portcullis.v1.Gate/Evaluate", "/portcullis.v1.Gate/AwaitDecision",
            "/portcullis.v1.Gate/Execute", "/portcullis.v1.Gate/ReportOutcome"])

    def test_an_approval_not_given_in_time_is_an_approval_timeout(self) -> None:
        @gated(self.agent, approval_timeout=0)
        def refund_order(order_id: str, amount: Money) -> None:
            raise AssertionError("ran without approval")

        with self.assertRaises(ApprovalTimeout) as raised:
            refund_order("AN-100201", sar("10"))
        self.assertIs(raised.exception.decision.outcome, Outcome.PENDING_APPROVAL)

    def test_a_cancelled_wait_ends_with_cancelled(self) -> None:
        decision = self.agent.evaluate(
            self.agent.action("refund_order", {"order_id": "AN-100202", "amount": sar("10")}))
        token = CancelToken()
        outcome: "queue.Queue[BaseException]" = queue.Queue()

        def wait() -> None:
            try:
                self.agent.await_decision(decision, timeout=60, cancel=token)
            except BaseException as error:
                outcome.put(error)

        started = time.monotonic()
        waiter = threading.Thread(target=wait)
        waiter.start()
        token.cancel()  # at whatever point the wait has reached
        waiter.join(30)
        self.assertIsInstance(outcome.get(timeout=1), Cancelled)
        self.assertLess(time.monotonic() - started, 30)
        with self.assertRaises(Cancelled):  # already cancelled: at once
            self.agent.await_decision(decision, timeout=60, cancel=token)

    def test_cancelling_an_async_task_ends_its_wait_and_runs_nothing(self) -> None:
        ran: List[str] = []

        @gated(self.agent, approval_timeout=60)
        async def refund_order(order_id: str, amount: Money) -> None:
            ran.append(order_id)

        async def cancel_while_waiting() -> None:
            task = asyncio.ensure_future(refund_order("AN-100203", sar("10")))
            await asyncio.sleep(0)  # let it start; cancelling at any later point is the same
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task

        started = time.monotonic()
        asyncio.run(cancel_while_waiting())  # returns once the worker thread has ended too
        self.assertLess(time.monotonic() - started, 30)
        self.assertEqual(ran, [])
        self.assertNotIn("/portcullis.v1.Gate/Execute", self.counter.calls)

    def test_the_guard_reports_a_failing_tool_and_lets_its_error_through(self) -> None:
        action = self.agent.action("create_coupon", {"code": "F1", "value": sar("3")})
        with self.assertRaisesRegex(RuntimeError, "tool broke"):
            with guard(self.agent, action) as grant:
                raise RuntimeError("tool broke")
        self.assertIsNotNone(grant.outcome_sequence)
        with self.assertRaisesRegex(FailedPrecondition, "already reported"):
            self.agent.report_outcome(grant.decision, ExecutionOutcome.FAILED)

    def test_arguments_can_be_excluded_mapped_and_keyed(self) -> None:
        calls: List[str] = []

        @gated(self.agent, tool="create_coupon", exclude=("note",),
               idempotency_key=lambda code, value, note="": f"coupon-{code}")
        def coupon(code: str, value: Money, note: str = "") -> str:
            calls.append(current_grant().decision.decision_id)
            return note

        self.assertEqual(coupon("K1", sar("4"), note="not sent"), "not sent")
        with self.assertRaises(AlreadyExecuted) as raised:  # same action, same key
            coupon("K1", sar("4"))
        self.assertEqual(raised.exception.receipt.decision_id, calls[0])
        self.assertEqual(len(calls), 1)

        @gated(self.agent, tool="create_coupon",
               arguments=lambda order: {"code": order["code"], "value": order["value"]})
        def from_order(order: Dict[str, Any]) -> str:
            return str(order["code"])

        self.assertEqual(from_order({"code": "M1", "value": sar("1"), "extra": 1}), "M1")

    def test_current_grant_outside_a_gated_call_is_a_lookup_error(self) -> None:
        with self.assertRaises(LookupError):
            current_grant()

    def test_async_tools_are_gated_too(self) -> None:
        @gated(self.agent, tool="create_coupon")
        async def coupon(code: str, value: Money) -> str:
            await asyncio.sleep(0)
            return code

        self.assertEqual(asyncio.run(coupon("A1", sar("2"))), "A1")
        with self.assertRaises(Denied):
            asyncio.run(coupon("A2", sar("200")))


class ApproverTest(GateTestCase):
    def pending(self, order_id: str) -> Any:
        decision = self.agent.evaluate(
            self.agent.action("refund_order", {"order_id": order_id, "amount": sar("10")}))
        self.assertIs(decision.outcome, Outcome.PENDING_APPROVAL)
        return next(p for p in self.approver.list_pending()
                    if p.decision.decision_id == decision.decision_id)

    def test_list_pending_shows_the_action_and_its_requirements(self) -> None:
        pending = self.pending("AN-300001")
        self.assertEqual(pending.action.arguments["amount"], sar("10"))
        self.assertEqual(pending.requested_by, "python-agent")
        self.assertEqual(pending.decision.approvals[0].roles, ("owner",))
        self.assertEqual(pending.decision.action_digest, action_digest(pending.action))

    def test_a_signed_approval_is_verified_by_the_gate(self) -> None:
        pending = self.pending("AN-300002")
        result = self.approver.approve(pending, key=self.running.alice, approver_id="alice")
        self.assertIs(result.decision.outcome, Outcome.ALLOW)
        self.assertIsNone(result.pending)

    def test_a_refusal_denies(self) -> None:
        pending = self.pending("AN-300003")
        result = self.approver.deny(pending, key=self.running.alice, approver_id="alice",
                                    reason="never shipped")
        self.assertIs(result.decision.outcome, Outcome.DENY)
        self.assertIs(self.agent.await_decision(pending.decision).outcome, Outcome.DENY)

    def test_an_altered_or_foreign_signature_is_permission_denied(self) -> None:
        pending = self.pending("AN-300004")
        approval = Approval(
            tenant="al-noor", decision_id=pending.decision.decision_id,
            action_digest=pending.decision.action_digest, verdict=Verdict.APPROVE,
            expires_at=pending.decision.expires_at, approver_id="alice", comment="ok")
        signature = sign_approval(approval, self.running.alice)
        altered = dataclasses.replace(approval, comment="ok!")
        with self.assertRaises(PermissionDenied):
            self.approver.send_approval(altered, signature)
        with self.assertRaises(PermissionDenied):
            self.approver.send_approval(
                approval, sign_approval(approval, nacl.signing.SigningKey.generate()))
        result = self.approver.send_approval(approval, signature)  # the real one still counts
        self.assertIs(result.decision.outcome, Outcome.ALLOW)


class ErrorsTest(GateTestCase):
    def coupon(self, gate: Gate, **overrides: Any) -> Action:
        return gate.action("create_coupon", {"code": "E1", "value": sar("1")}, **overrides)

    def test_a_bad_token_is_unauthenticated(self) -> None:
        with Gate(self.running.tcp_target, token="pcl_not-a-token", tenant="al-noor",
                  agent="bot") as stranger:
            with self.assertRaises(Unauthenticated) as raised:
                stranger.evaluate(self.coupon(stranger))
        self.assertIs(raised.exception.code, grpc.StatusCode.UNAUTHENTICATED)
        self.assertTrue(raised.exception.message)
        self.assertNotIn("pcl_not-a-token", str(raised.exception))

    def test_an_unknown_tenant_is_not_found(self) -> None:
        with Gate(self.running.tcp_target, token=self.running.any_tenant_token,
                  tenant="nowhere", agent="bot") as anywhere:
            with self.assertRaises(NotFound) as raised:
                anywhere.evaluate(self.coupon(anywhere))
        self.assertIn("nowhere", raised.exception.message)

    def test_a_tenant_not_ones_own_is_permission_denied(self) -> None:
        with self.assertRaises(PermissionDenied) as raised:
            self.agent.evaluate(self.coupon(self.agent, tenant="desert-books"))
        self.assertIn("desert-books", raised.exception.message)

    def test_an_undeclared_argument_is_an_invalid_action_naming_it(self) -> None:
        action = self.agent.action("create_coupon", {"cod": "E1", "value": sar("1")})
        with self.assertRaises(InvalidAction) as raised:
            self.agent.evaluate(action)
        self.assertIn('"cod"', raised.exception.message)

    def test_an_oversized_request_is_resource_exhausted(self) -> None:
        action = self.agent.action("create_coupon", {"code": "x" * 2_000_000,
                                                     "value": sar("1")})
        with self.assertRaises(ResourceExhausted):
            self.agent.evaluate(action)

    def test_an_unknown_decision_is_not_found(self) -> None:
        with self.assertRaises(NotFound):
            self.agent.await_decision("0" * 32)


class TlsTest(unittest.TestCase):
    def test_a_gate_with_tls_is_reached_with_tls_credentials_only(self) -> None:
        with GateProcess(PORTCULLISD, tls=True) as running:
            credentials = grpc.ssl_channel_credentials(root_certificates=running.ca_certificate)
            with Gate(running.tcp_target, token=running.agent_token, tenant="al-noor",
                      agent="bot", credentials=credentials) as gate:
                decision = gate.evaluate(
                    gate.action("create_coupon", {"code": "T1", "value": sar("1")}))
                self.assertIs(decision.outcome, Outcome.ALLOW)
            with Gate(running.tcp_target, token=running.agent_token, tenant="al-noor",
                      agent="bot", timeout=5) as plaintext:
                with self.assertRaises(GateUnavailable):
                    plaintext.evaluate(
                        plaintext.action("create_coupon", {"code": "T2", "value": sar("1")}))


class StoppedGateTest(unittest.TestCase):
    def test_a_stopped_gate_is_gate_unavailable_and_nothing_runs(self) -> None:
        running = GateProcess(PORTCULLISD).start()
        gate = Gate(running.tcp_target, token=running.agent_token, tenant="al-noor",
                    agent="bot", timeout=5)
        try:
            self.assertEqual(running.stop(), 0)
            ran: List[str] = []

            @gated(gate)
            def create_coupon(code: str, value: Money) -> None:
                ran.append(code)

            with self.assertRaises(GateUnavailable) as raised:
                create_coupon("S1", sar("1"))
            self.assertIs(raised.exception.code, grpc.StatusCode.UNAVAILABLE)
            self.assertEqual(ran, [])
        finally:
            gate.close()
            running.__exit__(None, None, None)


if __name__ == "__main__":
    PORTCULLISD = sys.argv.pop(1)
    unittest.main()
