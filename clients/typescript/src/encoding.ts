// Length-prefixed byte encoding shared by the action digest and approval
// signatures (docs/action-digest.md): str(s) = u32 length || UTF-8 bytes,
// u32 and i64 big-endian. Not thread-shared; one writer per encoding.
const kUtf8 = new TextEncoder();

/** Accumulates an encoding. */
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
  finish(): Uint8Array {
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

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}
