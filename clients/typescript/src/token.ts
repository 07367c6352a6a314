// Bearer tokens as the gate knows them (docs/security.md): `pcl_` and 32
// random bytes, stored only as BLAKE2b-256("portcullis/token/v1" 0x00 || token).
import { randomBytes } from "node:crypto";
import { blake2b } from "@noble/hashes/blake2.js";
import { toHex } from "./encoding.js";

/** The hash of a bearer token as the gate's configuration holds it: "blake2b:<64 hex>". */
export function tokenHash(token: string): string {
  const message = Buffer.concat([Buffer.from("portcullis/token/v1\0"), Buffer.from(token, "utf8")]);
  return `blake2b:${toHex(blake2b(message, { dkLen: 32 }))}`;
}

/** A new bearer token and its hash. The token is secret: show it once. */
export function newToken(): { token: string; hash: string } {
  const token = `pcl_${randomBytes(32).toString("base64url")}`;
  return { token, hash: tokenHash(token) };
}
