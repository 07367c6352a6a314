// The approval statement an approver signs (docs/approvals.md), byte for
// byte as `portcullis approve` and clients/typescript sign it:
//   "portcullis/approval/v1" 0x00 str(tenant) str(decision_id)
//   str(action_digest) u8(verdict) i64(expires_at, Unix ns)
//   str(approver_id) str(comment)
import { ByteWriter } from "./bytes.js";

export type Verdict = "approve" | "deny";

export interface ApprovalStatement {
  tenant: string;
  decisionId: string;
  /** The pending decision's action digest, 32 bytes. */
  actionDigest: Uint8Array;
  verdict: Verdict;
  /** When this statement stops counting (millisecond precision). */
  expiresAt: Date;
  approverId: string;
  comment: string;
}

/** The bytes an approver signs. Throws TypeError on a malformed statement. */
export function approvalMessage(s: ApprovalStatement): Uint8Array<ArrayBuffer> {
  if (s.actionDigest.length !== 32) throw new TypeError("actionDigest must be 32 bytes");
  const ms = s.expiresAt.getTime();
  if (!Number.isFinite(ms)) throw new TypeError("expiresAt is not a valid date");
  return new ByteWriter()
    .domain("portcullis/approval/v1")
    .str(s.tenant)
    .str(s.decisionId)
    .bytes(s.actionDigest)
    .u8(s.verdict === "approve" ? 1 : 2)
    .i64(BigInt(ms) * 1_000_000n)
    .str(s.approverId)
    .str(s.comment)
    .finish();
}

/** The statement in protobuf's JSON mapping (portcullis.v1.Approval). */
export function approvalJson(s: ApprovalStatement, digestBase64: string): Record<string, string> {
  return {
    tenant: s.tenant,
    decisionId: s.decisionId,
    actionDigest: digestBase64,
    verdict: s.verdict === "approve" ? "APPROVAL_VERDICT_APPROVE" : "APPROVAL_VERDICT_DENY",
    expiresAt: s.expiresAt.toISOString(),
    approverId: s.approverId,
    comment: s.comment,
  };
}
