// DONE / DONEPROC / DONEINPROC: status, current command, 64-bit row count (TDS 7.2+).
import { ByteWriter } from '../byteWriter';
import { TokenType } from './tokenTypes';

export const DoneStatus = {
  FINAL: 0x00,
  MORE: 0x01,
  ERROR: 0x02,
  INXACT: 0x04,
  COUNT: 0x10,
  ATTN: 0x20,
  SRVERROR: 0x100,
} as const;

/** CurCmd values; informational for clients. */
export const DoneCommand = {
  NONE: 0x00,
  SELECT: 0xc1,
} as const;

export type DoneKind = 'done' | 'doneProc' | 'doneInProc';

const TOKEN: Record<DoneKind, number> = {
  done: TokenType.DONE,
  doneProc: TokenType.DONEPROC,
  doneInProc: TokenType.DONEINPROC,
};

export interface DoneToken {
  kind: DoneKind;
  status: number;
  command?: number;
  rowCount?: number;
}

export function writeDone(w: ByteWriter, done: DoneToken): void {
  w.u8(TOKEN[done.kind])
    .u16le(done.status)
    .u16le(done.command ?? DoneCommand.NONE)
    .u64le(BigInt(done.rowCount ?? 0));
}

export function doneBytes(done: DoneToken): Buffer {
  const w = new ByteWriter(16);
  writeDone(w, done);
  return w.toBuffer();
}
