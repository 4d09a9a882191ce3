// RETURNVALUE: an OUTPUT parameter's value: ordinal, name, status, UserType, flags, TYPE_INFO, value.
import type { ByteWriter } from '../byteWriter';
import { encoderFor } from '../datatypes/registry';
import type { ColumnSpec, SqlValue } from '../types';
import { TokenType } from './tokenTypes';

const STATUS_OUTPUT_PARAMETER = 0x01;
const FLAG_NULLABLE = 0x0001;

export function writeReturnValue(
  w: ByteWriter,
  ordinal: number,
  parameter: ColumnSpec,
  value: SqlValue,
  collation: Buffer,
): void {
  const encoder = encoderFor(parameter.type);
  w.u8(TokenType.RETURNVALUE).u16le(ordinal).bVarchar(parameter.name).u8(STATUS_OUTPUT_PARAMETER);
  w.u32le(0).u16le(FLAG_NULLABLE);
  encoder.writeTypeInfo(w, parameter, collation);
  encoder.writeValue(w, parameter, value);
}
