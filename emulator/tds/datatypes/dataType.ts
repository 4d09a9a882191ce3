// The shape every data type module implements: TYPE_INFO and value encoding (server -> client) and
// TYPE_INFO and value decoding (RPC parameters, client -> server).
import type { ByteReader } from '../byteReader';
import type { ByteWriter } from '../byteWriter';
import type { ColumnSpec, SqlType, SqlValue } from '../types';

/** A parameter's TYPE_INFO as the client sent it. */
export interface WireTypeInfo {
  typeId: number;
  sqlType: SqlType;
  /** the TYPE_INFO max length in bytes, when the type has one */
  maxLength?: number;
  /** values travel as PLP chunks ((n)varchar(max), varbinary(max)) */
  plp?: boolean;
  precision?: number;
  scale?: number;
  collation?: Buffer;
}

export interface TypeEncoder {
  writeTypeInfo(w: ByteWriter, column: ColumnSpec, collation: Buffer): void;
  /** Writes the value with its length prefix (or PLP framing); null writes the type's NULL form. */
  writeValue(w: ByteWriter, column: ColumnSpec, value: SqlValue): void;
}

export interface TypeDecoder {
  readonly typeIds: readonly number[];
  readTypeInfo(r: ByteReader, typeId: number): WireTypeInfo;
  readValue(r: ByteReader, info: WireTypeInfo): SqlValue;
}
