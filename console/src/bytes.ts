// Length-prefixed byte encoding (docs/action-digest.md) for the browser:
// str(s) = u32 length || UTF-8 bytes, u32 and i64 big-endian. Uint8Array
// and TextEncoder only, so it runs in the browser and in node alike.
const kUtf8 = new TextEncoder();

/** Accumulates an encoding; one writer per encoding. */
export class ByteWriter {
  private readonly parts: Uint8Array[] = [];

  raw(bytes: Uint8Array): this {
    this.parts.push(bytes);
    return this;
  }
  tag(letter: string): this {
    return this.raw(kUtf8.encode(letter));
  }
  u8(n: number): this {
    return this.raw(Uint8Array.of(n & 0xff));
  }
  u32(n: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, false);
    return this.raw(b);
  }
  i64(n: bigint): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, n, false);
    return this.raw(b);
  }
  bytes(b: Uint8Array): this {
    return this.u32(b.length).raw(b);
  }
  str(s: string): this {
    return this.bytes(kUtf8.encode(s));
  }
  /** A domain tag: its ASCII bytes and a 0x00. */
  domain(tag: string): this {
    return this.tag(tag).u8(0);
  }
  finish(): Uint8Array<ArrayBuffer> {
    const total = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** Lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Bytes of lowercase or uppercase hex; throws TypeError on anything else. */
export function fromHex(hex: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new TypeError("not hex");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Standard base64 (protobuf's JSON mapping of bytes). */
export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** Bytes of standard or URL-safe base64; throws TypeError on anything else. */
export function fromBase64(text: string): Uint8Array {
  const std = text.replace(/-/g, "+").replace(/_/g, "/");
  let s: string;
  try {
    s = atob(std);
  } catch {
    throw new TypeError("not base64");
  }
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** Whether two byte strings are equal. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
