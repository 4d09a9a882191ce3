// RPC_REQUEST: ALL_HEADERS, then one or more calls (separated by a batch flag), each a procedure name
// or well-known id, option flags, and parameters (name, status, TYPE_INFO, value).
import { ByteReader, TdsProtocolError } from '../byteReader';
import type { WireTypeInfo } from '../datatypes/dataType';
import { decoderFor } from '../datatypes/registry';
import type { SqlValue } from '../types';
import { readAllHeaders } from './allHeaders';

const PROC_ID_MARKER = 0xffff;
const STATUS_BY_REF = 0x01;
/** Separators between calls: BatchFlag (0xFF) and NoExecFlag (0xFE) from 7.2 on, 0x80 before. */
const BATCH_SEPARATORS = new Set([0xff, 0xfe, 0x80]);

/** The special procedure ids (MS-TDS 2.2.6.6). */
export const SPECIAL_PROCEDURES: Record<number, string> = {
  1: 'sp_cursor',
  2: 'sp_cursoropen',
  3: 'sp_cursorprepare',
  4: 'sp_cursorexecute',
  5: 'sp_cursorprepexec',
  6: 'sp_cursorunprepare',
  7: 'sp_cursorfetch',
  8: 'sp_cursoroption',
  9: 'sp_cursorclose',
  10: 'sp_executesql',
  11: 'sp_prepare',
  12: 'sp_execute',
  13: 'sp_prepexec',
  14: 'sp_prepexecrpc',
  15: 'sp_unprepare',
};

export interface DecodedParameter {
  /** with the leading @, or '' for a positional parameter */
  name: string;
  output: boolean;
  info: WireTypeInfo;
  value: SqlValue;
}

export interface RpcCall {
  procName: string;
  optionFlags: number;
  params: DecodedParameter[];
}

function readParameter(r: ByteReader): DecodedParameter {
  const name = r.bVarchar();
  const status = r.u8();
  const typeId = r.u8();
  const decoder = decoderFor(typeId);
  const info = decoder.readTypeInfo(r, typeId);
  const value = decoder.readValue(r, info);
  return { name, output: (status & STATUS_BY_REF) !== 0, info, value };
}

export function parseRpcRequest(payload: Buffer): RpcCall[] {
  const { bodyOffset } = readAllHeaders(payload);
  const r = new ByteReader(payload, bodyOffset);
  const calls: RpcCall[] = [];
  while (r.remaining > 0) {
    const nameLength = r.u16le();
    let procName: string;
    if (nameLength === PROC_ID_MARKER) {
      const id = r.u16le();
      procName = SPECIAL_PROCEDURES[id];
      if (!procName) throw new TdsProtocolError(`unknown special procedure id ${id}`);
    } else {
      procName = r.ucs2(nameLength);
    }
    const optionFlags = r.u16le();
    const params: DecodedParameter[] = [];
    while (r.remaining > 0 && !BATCH_SEPARATORS.has(r.peekU8())) params.push(readParameter(r));
    calls.push({ procName, optionFlags, params });
    if (r.remaining > 0) r.u8(); // the separator
  }
  return calls;
}
