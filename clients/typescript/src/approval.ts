// Approver side (docs/approvals.md): the canonical approval message and its
// Ed25519 signature with node's crypto. Key files hold a base64 32-byte
// seed (private) or a base64 32-byte public key, as `portcullis keys
// generate` writes them. Pure functions except the file reader.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { blake2b } from "@noble/hashes/blake2.js";
import { ByteWriter, toHex } from "./encoding.js";

/**
 * A rule proposed with a verdict (docs/approvals.md, "Approvals that become
 * policy"): the tool block it goes into (usually the pending action's
 * tool), one rule in the policy language without a `from proposal` clause
 * (at most 4096 bytes), and a one-line rationale (1 to 200 bytes).
 */
export interface AmendmentProposal {
  tool: string;
  rule: string;
  rationale: string;
}

/** What an approver states and signs. */
export interface ApprovalStatement {
  tenant: string;
  decisionId: string;
  /** The pending decision's action digest, 32 bytes. */
  actionDigest: Uint8Array;
  verdict: "approve" | "deny";
  /** When this statement stops counting. */
  expiresAt: Date;
  approverId: string;
  comment?: string;
  /**
   * A rule to propose with the verdict, signed with it. The gate answers
   * the id it records it under (`proposalId`); a rule that does not compile
   * with the policy in force refuses the whole approval (InvalidAction).
   */
  proposal?: AmendmentProposal;
}

const kPkcs8Ed25519Prefix = Buffer.from("302e020100300506032b657004220420", "hex");
const kSpkiEd25519Prefix = Buffer.from("302a300506032b6570032100", "hex");

/** The bytes an approver signs. Throws TypeError on a malformed statement. */
export function approvalMessage(s: ApprovalStatement): Uint8Array {
  if (s.actionDigest.length !== 32) throw new TypeError("actionDigest must be 32 bytes");
  const ms = s.expiresAt.getTime();
  if (!Number.isFinite(ms)) throw new TypeError("expiresAt is not a valid date");
  const w = new ByteWriter()
    .domain("portcullis/approval/v1")
    .str(s.tenant)
    .str(s.decisionId)
    .bytes(s.actionDigest)
    .u8(s.verdict === "approve" ? 1 : 2)
    .i64(BigInt(ms) * 1_000_000n)
    .str(s.approverId)
    .str(s.comment ?? "");
  // Without a proposal the statement ends here, as before amendments existed.
  if (s.proposal !== undefined) w.u8(1).str(s.proposal.tool).str(s.proposal.rule).str(s.proposal.rationale);
  return w.finish();
}

/**
 * The id the gate records a statement's proposal under: 16 lowercase hex
 * characters, the first 8 bytes of BLAKE2b-256 over
 * "portcullis/amendment/v1" 0x00 and the signed statement. Undefined
 * without a proposal.
 */
export function proposalId(s: ApprovalStatement): string | undefined {
  if (s.proposal === undefined) return undefined;
  const input = new ByteWriter().domain("portcullis/amendment/v1").raw(approvalMessage(s)).finish();
  return toHex(blake2b(input, { dkLen: 32 }).subarray(0, 8));
}

/** Ed25519 signature (64 bytes) of the statement by the approver's key. */
export function signApproval(s: ApprovalStatement, key: KeyObject): Uint8Array {
  return new Uint8Array(sign(null, approvalMessage(s), key));
}

/** An Ed25519 private key from its 32-byte seed. Throws TypeError. */
export function signingKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new TypeError("an Ed25519 seed is 32 bytes");
  return createPrivateKey({ key: Buffer.concat([kPkcs8Ed25519Prefix, seed]), format: "der", type: "pkcs8" });
}

/**
 * Reads a `portcullis keys generate` private key file (base64 seed).
 * Refuses a file that group or others may read, as the gate does.
 */
export function readSigningKeyFile(path: string): KeyObject {
  if ((statSync(path).mode & 0o077) !== 0) {
    throw new Error(`${path}: a key file must be readable by its owner only (mode 0600)`);
  }
  return signingKeyFromSeed(Buffer.from(readFileSync(path, "utf8").trim(), "base64"));
}

/** The raw 32-byte public key, base64: what the gate's `approvers[].publicKey` holds. */
export function publicKeyBase64(key: KeyObject): string {
  const spki = createPublicKey(key).export({ format: "der", type: "spki" });
  return spki.subarray(kSpkiEd25519Prefix.length).toString("base64");
}

/** A new Ed25519 key pair's private key (tests, tooling). */
export function generateSigningKey(): KeyObject {
  return generateKeyPairSync("ed25519").privateKey;
}

/** The private key's seed, base64, as a key file holds it. Secret. */
export function seedBase64(key: KeyObject): string {
  const der = key.export({ format: "der", type: "pkcs8" });
  return der.subarray(kPkcs8Ed25519Prefix.length).toString("base64");
}
