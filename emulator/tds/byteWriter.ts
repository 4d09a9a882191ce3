// A growable little-endian-first byte buffer for building TDS payloads and tokens.
export class ByteWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf.writeUInt8(v & 0xff, this.pos);
    this.pos += 1;
    return this;
  }

  u16le(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16LE(v & 0xffff, this.pos);
    this.pos += 2;
    return this;
  }

  u16be(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.pos);
    this.pos += 2;
    return this;
  }

  i16le(v: number): this {
    this.ensure(2);
    this.buf.writeInt16LE(v, this.pos);
    this.pos += 2;
    return this;
  }

  u32le(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  u32be(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  i32le(v: number): this {
    this.ensure(4);
    this.buf.writeInt32LE(v, this.pos);
    this.pos += 4;
    return this;
  }

  i64le(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64LE(v, this.pos);
    this.pos += 8;
    return this;
  }

  u64le(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigUInt64LE(v, this.pos);
    this.pos += 8;
    return this;
  }

  f64le(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
    return this;
  }

  /** An unsigned little-endian integer of 1..6 bytes (TIME and DATE parts use 3 and 5). */
  uintLE(v: number, bytes: number): this {
    this.ensure(bytes);
    this.buf.writeUIntLE(v, this.pos, bytes);
    this.pos += bytes;
    return this;
  }

  bytes(b: Buffer | Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** UTF-16LE text without a length prefix. */
  ucs2(s: string): this {
    return this.bytes(Buffer.from(s, 'utf16le'));
  }

  /** B_VARCHAR: a byte holding the length in UTF-16 code units, then the text. */
  bVarchar(s: string): this {
    const b = Buffer.from(s, 'utf16le');
    const units = Math.min(b.length / 2, 255);
    return this.u8(units).bytes(b.subarray(0, units * 2));
  }

  /** US_VARCHAR: a USHORT length in UTF-16 code units, then the text. */
  usVarchar(s: string): this {
    const b = Buffer.from(s, 'utf16le');
    const units = Math.min(b.length / 2, 0xffff);
    return this.u16le(units).bytes(b.subarray(0, units * 2));
  }

  /** B_VARBYTE: a byte length, then the bytes. */
  bVarbyte(b: Buffer): this {
    return this.u8(b.length).bytes(b);
  }

  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}
