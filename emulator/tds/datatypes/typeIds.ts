// TYPE_INFO type identifiers (MS-TDS 2.2.5.4) the emulator reads or writes.
export const TypeId = {
  // fixed-length
  INT1: 0x30,
  BIT: 0x32,
  INT2: 0x34,
  INT4: 0x38,
  DATETIM4: 0x3a,
  FLT4: 0x3b,
  MONEY: 0x3c,
  DATETIME: 0x3d,
  FLT8: 0x3e,
  MONEY4: 0x7a,
  INT8: 0x7f,
  // variable-length, byte length
  GUID: 0x24,
  INTN: 0x26,
  DATEN: 0x28,
  TIMEN: 0x29,
  DATETIME2N: 0x2a,
  DATETIMEOFFSETN: 0x2b,
  BITN: 0x68,
  DECIMALN: 0x6a,
  NUMERICN: 0x6c,
  FLTN: 0x6d,
  MONEYN: 0x6e,
  DATETIMN: 0x6f,
  // legacy LOBs: LONG length
  IMAGE: 0x22,
  TEXT: 0x23,
  NTEXT: 0x63,
  // variable-length, USHORT length (or PLP when the max length is 0xFFFF)
  BIGVARBINARY: 0xa5,
  BIGVARCHAR: 0xa7,
  BIGBINARY: 0xad,
  BIGCHAR: 0xaf,
  NVARCHAR: 0xe7,
  NCHAR: 0xef,
} as const;

/** The max-length marker in TYPE_INFO that means (n)varchar(max)/varbinary(max), sent as PLP. */
export const PLP_MARKER = 0xffff;
