// PLP (partially length-prefixed) framing for (n)varchar(max) and varbinary(max) values.
import type { ByteReader } from '../byteReader';
import type { ByteWriter } from '../byteWriter';

const PLP_NULL = 0xffffffffffffffffn;
/** Chunk size for values we send; any size is valid, this keeps chunks packet-sized. */
const CHUNK = 8000;

export function writePlp(w: ByteWriter, data: Buffer | null): void {
  if (data === null) {
    w.u64le(PLP_NULL);
    return;
  }
  w.u64le(BigInt(data.length));
  for (let offset = 0; offset < data.length; offset += CHUNK) {
    const chunk = data.subarray(offset, offset + CHUNK);
    w.u32le(chunk.length).bytes(chunk);
  }
  w.u32le(0);
}

/** Reads a PLP value; null for PLP_NULL. Accepts both a known and an unknown (0xFF..FE) total length. */
export function readPlp(r: ByteReader): Buffer | null {
  const total = r.u64le();
  if (total === PLP_NULL) return null;
  const chunks: Buffer[] = [];
  for (;;) {
    const size = r.u32le();
    if (size === 0) break;
    chunks.push(r.bytes(size));
  }
  // The chunks are authoritative; the total (or PLP_UNKNOWN_LENGTH) is only a hint.
  return Buffer.concat(chunks);
}
