/**
 * A minimal protobuf writer: just the wire types ONNX's ModelProto needs
 * (varint, 64-bit fixed, length-delimited, 32-bit fixed).
 *
 * @module
 */

/** Accumulates protobuf bytes for one message. */
export class ProtoWriter {
  #chunks: Uint8Array[] = [];
  #buf = new Uint8Array(1024);
  #pos = 0;

  #ensure(n: number) {
    if (this.#pos + n <= this.#buf.length) return;
    this.#chunks.push(this.#buf.subarray(0, this.#pos));
    this.#buf = new Uint8Array(Math.max(1024, n * 2));
    this.#pos = 0;
  }

  #byte(b: number) {
    this.#ensure(1);
    this.#buf[this.#pos++] = b;
  }

  #varint(v: number | bigint) {
    // Negative int64 values are written as 10-byte two's complement, per spec.
    let x = BigInt.asUintN(64, BigInt(v));
    if (x < 0x80n) return this.#byte(Number(x));
    while (x >= 0x80n) {
      this.#byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.#byte(Number(x));
  }

  #tag(field: number, wire: number) {
    this.#varint((field << 3) | wire);
  }

  /** A varint field (int32, int64, enum, bool). */
  int(field: number, v: number | bigint): this {
    this.#tag(field, 0);
    this.#varint(v);
    return this;
  }

  /** A 32-bit float field. */
  float(field: number, v: number): this {
    this.#tag(field, 5);
    this.#ensure(4);
    new DataView(this.#buf.buffer, this.#buf.byteOffset + this.#pos, 4).setFloat32(0, v, true);
    this.#pos += 4;
    return this;
  }

  /** A length-delimited bytes field. */
  bytes(field: number, b: Uint8Array): this {
    this.#tag(field, 2);
    this.#varint(b.length);
    if (b.length > 4096) {
      // Large payloads (weights) go in as their own chunk instead of being copied.
      this.#chunks.push(this.#buf.subarray(0, this.#pos));
      this.#chunks.push(b);
      this.#buf = new Uint8Array(1024);
      this.#pos = 0;
    } else {
      this.#ensure(b.length);
      this.#buf.set(b, this.#pos);
      this.#pos += b.length;
    }
    return this;
  }

  /** A UTF-8 string field. */
  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  /** An embedded message field. */
  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  /** Packed repeated varints. */
  packedInts(field: number, vs: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of vs) inner.#varint(v);
    return this.bytes(field, inner.finish());
  }

  /** Packed repeated floats. */
  packedFloats(field: number, vs: readonly number[]): this {
    const b = new Uint8Array(vs.length * 4);
    const dv = new DataView(b.buffer);
    vs.forEach((v, i) => dv.setFloat32(i * 4, v, true));
    return this.bytes(field, b);
  }

  /** The encoded message. */
  finish(): Uint8Array {
    const parts = [...this.#chunks, this.#buf.subarray(0, this.#pos)];
    const n = parts.reduce((s, p) => s + p.length, 0);
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
