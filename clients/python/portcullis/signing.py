"""The approver's side and the tool server's side of the signatures:
approvals (docs/approvals.md) and execution receipts (docs/receipts.md),
byte for byte as the gate encodes them, with Ed25519 from PyNaCl.

An approver's private key never leaves their machine: ``sign_approval``
runs here, and the gate only ever sees the signature.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from dataclasses import dataclass
from typing import Optional, Union

import nacl.exceptions
import nacl.signing

from portcullis import _encoding as enc
from portcullis.results import Receipt, Verdict

__all__ = ["Approval", "AmendmentProposal", "approval_message", "sign_approval",
           "proposal_id", "load_signing_key", "receipt_message", "verify_receipt", "key_id"]

APPROVAL_DOMAIN = b"portcullis/approval/v1\x00"
AMENDMENT_DOMAIN = b"portcullis/amendment/v1\x00"
RECEIPT_DOMAIN = b"portcullis/receipt/v1\x00"

KeyLike = Union[nacl.signing.SigningKey, bytes]


@dataclass(frozen=True)
class AmendmentProposal:
    """A rule an approver proposes with a verdict (proto ``AmendmentProposal``,
    docs/approvals.md "Approvals that become policy"): one rule in the
    policy language, without a ``from proposal`` clause (at most 4096
    bytes), and a one-line ``rationale`` (1 to 200 bytes). ``tool`` is the
    tool block the rule goes into; ``Gate.approve`` fills in the pending
    action's tool when it is empty. The gate checks that the policy in
    force compiles with the rule; an operator applies it later.
    """

    rule: str
    rationale: str
    tool: str = ""


@dataclass(frozen=True)
class Approval:
    """What an approver signs (proto ``Approval``): every field is covered.

    ``action_digest`` is the 32-byte digest of the action shown to the
    approver; ``expires_at`` (timezone-aware) ends the statement's own
    validity; ``comment`` is recorded on the ledger (at most 1024 bytes).
    """

    tenant: str
    decision_id: str
    action_digest: bytes
    verdict: Verdict
    expires_at: datetime.datetime
    approver_id: str
    comment: str = ""
    # Signed with the verdict when set; a statement without one has the
    # same bytes as before amendments existed.
    amendment: Optional[AmendmentProposal] = None

    @property
    def expires_at_ns(self) -> int:
        """``expires_at`` in Unix nanoseconds, as signed and as sent."""
        return enc.unix_nanos(self.expires_at)


def approval_message(approval: Approval) -> bytes:
    """The exact bytes signed: "portcullis/approval/v1" 0x00, str(tenant),
    str(decision_id), str(action_digest), u8(verdict), i64(expires_at ns),
    str(approver_id), str(comment), and with an amendment u8(1), str(tool),
    str(rule), str(rationale)."""
    if len(approval.action_digest) != 32:
        raise ValueError("action_digest must be the 32-byte digest of the action")
    message = (APPROVAL_DOMAIN + enc.string(approval.tenant) +
               enc.string(approval.decision_id) + enc.blob(approval.action_digest) +
               bytes([approval.verdict.value]) + enc.i64(approval.expires_at_ns) +
               enc.string(approval.approver_id) + enc.string(approval.comment))
    proposal = approval.amendment
    if proposal is None:
        return message
    return (message + b"\x01" + enc.string(proposal.tool) + enc.string(proposal.rule) +
            enc.string(proposal.rationale))


def proposal_id(approval: Approval) -> Optional[str]:
    """The id the gate records an approval's amendment under (and answers in
    ``ApprovalResult.proposal_id``): 16 lowercase hex characters, the first
    8 bytes of BLAKE2b-256 over "portcullis/amendment/v1" 0x00 and the
    signed statement. None for an approval without an amendment."""
    if approval.amendment is None:
        return None
    digest = hashlib.blake2b(AMENDMENT_DOMAIN + approval_message(approval), digest_size=32)
    return digest.digest()[:8].hex()


def _signing_key(key: KeyLike) -> nacl.signing.SigningKey:
    if isinstance(key, nacl.signing.SigningKey):
        return key
    if isinstance(key, bytes) and len(key) == 32:
        return nacl.signing.SigningKey(key)
    raise TypeError("key must be a nacl.signing.SigningKey or a 32-byte Ed25519 seed")


def sign_approval(approval: Approval, key: KeyLike) -> bytes:
    """The 64-byte Ed25519 signature of ``approval_message(approval)``."""
    return _signing_key(key).sign(approval_message(approval)).signature


def load_signing_key(path: str) -> nacl.signing.SigningKey:
    """Reads a key file written by ``portcullis keys generate`` (the base64
    32-byte seed). Raises ``ValueError`` for anything else, without
    echoing the file's content."""
    with open(path, "rb") as f:
        text = f.read().strip()
    try:
        seed = base64.b64decode(text, validate=True)
    except ValueError:
        seed = b""
    if len(seed) != 32:
        raise ValueError(f"{path}: not an Ed25519 key file (base64 of a 32-byte seed)")
    return nacl.signing.SigningKey(seed)


def key_id(public_key: bytes) -> str:
    """The gate's key id: first 8 bytes of BLAKE2b-256 of the public key, hex."""
    return hashlib.blake2b(public_key, digest_size=32).digest()[:8].hex()


def receipt_message(receipt: Receipt) -> bytes:
    """The exact bytes the gate signs for a receipt (docs/receipts.md);
    ``ledger_sequence`` is not covered."""
    return (RECEIPT_DOMAIN + enc.string(receipt.tenant) + enc.string(receipt.decision_id) +
            enc.blob(receipt.action_digest) + enc.string(receipt.tool) +
            enc.string(receipt.idempotency_key) + enc.i64(receipt.executed_at_ns) +
            enc.string(receipt.key_id))


def verify_receipt(receipt: Receipt, gate_public_key: bytes) -> bool:
    """True when the gate's key (32 bytes, e.g. base64-decoded ``gate.pub``)
    signed this receipt. A tool server also checks that
    ``receipt.action_digest`` is the digest of the action it is asked to
    run, and that it has not acted on ``receipt.decision_id`` before."""
    if len(gate_public_key) != 32 or key_id(gate_public_key) != receipt.key_id:
        return False
    try:
        nacl.signing.VerifyKey(gate_public_key).verify(receipt_message(receipt),
                                                       receipt.signature)
        return True
    except nacl.exceptions.BadSignatureError:
        return False
