"""Writes tests/clients/signing_vectors.json: statements signed by the C++
CLI (`portcullis approvals grant-standing`, `revoke-standing`, `approve
--propose`) with a fixed key, as it sends them to a gate. Run by hand when
an encoding changes; the Python and TypeScript tests check their own
messages and signatures against the file.

A small gRPC server stands in for the gate and keeps each request: the CLI
encodes and signs with the C++ code (gate/standing_approval.cc,
gate/approval.cc), so the signature it sends is over the C++ bytes. Ed25519
is deterministic: the client's message is the C++ message exactly when the
client's signature with the same key equals the CLI's, which this script
checks before it writes anything.

`approve` signs an expiry of the wall clock plus 15 minutes, to the
nanosecond, which neither a Python datetime nor a JavaScript Date holds: the
CLI runs with CLOCK_REALTIME cut to whole seconds by a small LD_PRELOAD
library this script compiles with `cc` (Abseil's first reading of the time
is the kernel's).

usage: make_signing_vectors.py PORTCULLIS_CLI [OUT]
  (PYTHONPATH=clients/python:tests/clients, PORTCULLIS_STUBS_DIR set)
"""

from __future__ import annotations

import base64
import concurrent.futures
import datetime
import json
import os
import subprocess
import sys
import tempfile
from typing import Any, Dict, List

import grpc
import nacl.signing

from portcullis import (
    AmendmentProposal, Approval, Constraint, ConstraintOp, StandingApproval,
    StandingRevocation, Verdict, approval_message, proposal_id, revocation_message,
    sign_approval, sign_revocation, sign_standing, standing_message)
from portcullis import _codec

SEED = bytes(range(32))  # a fixed test key; never registered anywhere real

WHOLE_SECONDS_CLOCK = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <time.h>
int clock_gettime(clockid_t id, struct timespec* ts) {
  static int (*real)(clockid_t, struct timespec*);
  if (!real) real = (int (*)(clockid_t, struct timespec*))dlsym(RTLD_NEXT, "clock_gettime");
  int r = real(id, ts);
  if (r == 0 && id == CLOCK_REALTIME) ts->tv_nsec = 0;
  return r;
}
"""


def whole_seconds_clock(work: str) -> Dict[str, str]:
    """The environment of a process whose wall clock reads whole seconds."""
    source = os.path.join(work, "clock.c")
    library = os.path.join(work, "clock.so")
    with open(source, "w") as f:
        f.write(WHOLE_SECONDS_CLOCK)
    subprocess.run(["cc", "-shared", "-fPIC", "-o", library, source, "-ldl"], check=True)
    return dict(os.environ, LD_PRELOAD=library)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


class FakeGate:
    """Answers just enough for the CLI and keeps what it was sent."""

    def __init__(self) -> None:
        self.requests: List[Any] = []
        pb = _codec.pb()
        self.pb = pb
        self.digest = bytes(range(100, 132))

    def GrantStanding(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        return self.pb.gate.GrantStandingResponse(
            standing=self.pb.gate.StandingStatus(approval=request.standing, ledger_sequence=7))

    def RevokeStanding(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        return self.pb.gate.RevokeStandingResponse(
            standing=self.pb.gate.StandingStatus(revoked=True, uses=2))

    def ListPending(self, request: Any, context: Any) -> Any:
        pending = self.pb.gate.PendingApproval()
        pending.decision.decision_id = "5b1e0c47-d-1"
        pending.decision.tenant = request.tenant
        pending.decision.action_digest = self.digest
        pending.decision.outcome = 3
        pending.action.tenant = request.tenant
        pending.action.agent = "support-bot"
        pending.action.tool = "refund_order"
        pending.action.arguments["amount"].money_value.amount = "120.00"
        pending.action.arguments["amount"].money_value.currency = "SAR"
        return self.pb.gate.ListPendingResponse(pending=[pending])

    def Approve(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        response = self.pb.gate.ApproveResponse(proposal_id="0000000000000000")
        response.decision.outcome = 1
        return response


def serve(fake: FakeGate) -> "tuple[grpc.Server, int]":
    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=2))
    handlers = {
        name: grpc.unary_unary_rpc_method_handler(
            getattr(fake, name),
            request_deserializer=getattr(fake.pb.gate, request).FromString,
            response_serializer=lambda m: m.SerializeToString())
        for name, request in (("GrantStanding", "GrantStandingRequest"),
                              ("RevokeStanding", "RevokeStandingRequest"),
                              ("ListPending", "ListPendingRequest"),
                              ("Approve", "ApproveRequest"))}
    server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler("portcullis.v1.Gate", handlers)])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


def nanos(stamp: Any) -> int:
    return stamp.seconds * 1_000_000_000 + stamp.nanos


def when(stamp: Any) -> datetime.datetime:
    if stamp.nanos % 1000:
        raise SystemExit("a time with nanoseconds cannot be a datetime; run again")
    return EPOCH + datetime.timedelta(seconds=stamp.seconds, microseconds=stamp.nanos // 1000)


def value_json(value: Any) -> Dict[str, Any]:
    kind = value.WhichOneof("kind")
    if kind == "money_value":
        return {"money": {"amount": value.money_value.amount,
                          "currency": value.money_value.currency}}
    if kind == "int_value":
        return {"int": str(value.int_value)}
    if kind == "bool_value":
        return {"bool": value.bool_value}
    return {"string": value.string_value}


def standing_vector(request: Any, key: nacl.signing.SigningKey) -> Dict[str, Any]:
    s = request.standing
    standing = StandingApproval(
        tenant=s.tenant, id=s.id, tool=s.tool,
        constraints=tuple(Constraint(c.argument, ConstraintOp(c.op),
                                     _codec._value_from_proto(c.value))
                          for c in s.constraints),
        not_before=when(s.not_before), not_after=when(s.not_after), max_uses=s.max_uses,
        approver_id=s.approver_id, comment=s.comment)
    assert sign_standing(standing, key) == request.signature, "standing: bytes differ"
    return {"tenant": s.tenant, "id": s.id, "tool": s.tool,
            "constraints": [{"argument": c.argument, "op": ConstraintOp(c.op).text,
                             "value": value_json(c.value)} for c in s.constraints],
            "notBeforeUnixNanos": str(nanos(s.not_before)),
            "notAfterUnixNanos": str(nanos(s.not_after)),
            "maxUses": s.max_uses, "approverId": s.approver_id, "comment": s.comment,
            "message": standing_message(standing).hex(), "signature": request.signature.hex()}


def revocation_vector(request: Any, key: nacl.signing.SigningKey) -> Dict[str, Any]:
    r = request.revocation
    revocation = StandingRevocation(tenant=r.tenant, id=r.id, approver_id=r.approver_id,
                                    reason=r.reason)
    assert sign_revocation(revocation, key) == request.signature, "revocation: bytes differ"
    return {"tenant": r.tenant, "id": r.id, "approverId": r.approver_id, "reason": r.reason,
            "message": revocation_message(revocation).hex(),
            "signature": request.signature.hex()}


def approval_vector(request: Any, key: nacl.signing.SigningKey) -> Dict[str, Any]:
    a = request.approval
    approval = Approval(
        tenant=a.tenant, decision_id=a.decision_id, action_digest=a.action_digest,
        verdict=Verdict(a.verdict), expires_at=when(a.expires_at), approver_id=a.approver_id,
        comment=a.comment,
        amendment=AmendmentProposal(tool=a.amendment.tool, rule=a.amendment.rule,
                                    rationale=a.amendment.rationale)
        if a.HasField("amendment") else None)
    assert sign_approval(approval, key) == request.signature, "approval: bytes differ"
    return {"tenant": a.tenant, "decisionId": a.decision_id,
            "actionDigest": a.action_digest.hex(),
            "verdict": "approve" if a.verdict == 1 else "deny",
            "expiresAtUnixNanos": str(nanos(a.expires_at)), "approverId": a.approver_id,
            "comment": a.comment,
            "proposal": {"tool": a.amendment.tool, "rule": a.amendment.rule,
                         "rationale": a.amendment.rationale},
            "message": approval_message(approval).hex(), "proposalId": proposal_id(approval),
            "signature": request.signature.hex()}


def main() -> None:
    cli = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "signing_vectors.json")
    key = nacl.signing.SigningKey(SEED)
    fake = FakeGate()
    server, port = serve(fake)
    with tempfile.TemporaryDirectory() as work:
        key_file = os.path.join(work, "alice.key")
        with open(os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(base64.b64encode(SEED).decode() + "\n")
        gate = ["--gate", f"127.0.0.1:{port}"]
        runs = [
            ["approvals", "grant-standing", "--tenant", "al-noor", "--id", "damaged-small",
             "--tool", "refund_order", "--constraint", "amount<=100SAR",
             "--constraint", "reason==damaged", "--max_uses", "50", "--window", "72h",
             "--key", key_file, "--approver", "alice", "--comment", "damaged items",
             "--yes", *gate],
            ["approvals", "grant-standing", "--tenant", "al-noor", "--id", "typed_2",
             "--tool", "refund_order", "--constraint", "items>=2",
             "--constraint", "items!=-7", "--constraint", "gift==true",
             "--constraint", "order_id!=\"42\"", "--constraint", "amount>0.50SAR",
             "--max_uses", "1", "--window", "1h", "--key", key_file,
             "--approver", "alice", "--yes", *gate],
            ["approvals", "revoke-standing", "--tenant", "al-noor", "--id", "damaged-small",
             "--key", key_file, "--approver", "alice", "--reason", "batch handled", *gate],
            ["approve", "5b1e0c47-d-1", "--tenant", "al-noor", "--key", key_file,
             "--approver", "alice", "--comment", "photos checked",
             "--propose", 'rule damaged-refunds "refunds up to 100 SAR for damaged items" '
             'allow when args.amount <= 100 SAR and args.reason == "damaged"',
             "--rationale", "we always approve these", "--yes", *gate],
        ]
        environment = whole_seconds_clock(work)
        for run in runs:
            done = subprocess.run([cli, *run], capture_output=True, text=True, env=environment)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(run[:2])}: exit {done.returncode}\n{done.stderr}")
    server.stop(None)
    grants = [r for r in fake.requests if r.DESCRIPTOR.name == "GrantStandingRequest"]
    revocations = [r for r in fake.requests if r.DESCRIPTOR.name == "RevokeStandingRequest"]
    approvals = [r for r in fake.requests if r.DESCRIPTOR.name == "ApproveRequest"]
    vectors = {
        "comment": "Signed by the portcullis CLI (C++) with the seed below; written by "
                   "tests/clients/make_signing_vectors.py. message is the signed bytes.",
        "seed": base64.b64encode(SEED).decode(),
        "publicKey": base64.b64encode(bytes(key.verify_key)).decode(),
        "standing": [standing_vector(r, key) for r in grants],
        "revocation": [revocation_vector(r, key) for r in revocations],
        "approval": [approval_vector(r, key) for r in approvals],
    }
    with open(out, "w") as f:
        json.dump(vectors, f, indent=2)
        f.write("\n")
    print(f"wrote {out}: {len(grants)} standing, {len(revocations)} revocation, "
          f"{len(approvals)} approval")


if __name__ == "__main__":
    main()
