import { ByteReader } from '../../../../emulator/tds/byteReader';
import { ByteWriter } from '../../../../emulator/tds/byteWriter';
import { DEFAULT_COLLATION } from '../../../../emulator/tds/datatypes/collation';
import { decodeCp1252, encodeCp1252 } from '../../../../emulator/tds/datatypes/cp1252';
import { decimalTextToScaled, scaledToDecimalText } from '../../../../emulator/tds/datatypes/decimalText';
import { downlevelColumn, downlevelValue } from '../../../../emulator/tds/datatypes/downlevel';
import { decoderFor, encoderFor } from '../../../../emulator/tds/datatypes/registry';
import { bytesToGuid, guidToBytes } from '../../../../emulator/tds/datatypes/uniqueidentifier';
import type { ColumnSpec, SqlValue } from '../../../../emulator/tds/types';

function encode(column: ColumnSpec, value: SqlValue): Buffer {
  const w = new ByteWriter();
  const encoder = encoderFor(column.type);
  encoder.writeTypeInfo(w, column, DEFAULT_COLLATION);
  encoder.writeValue(w, column, value);
  return w.toBuffer();
}

/** Decodes TYPE_INFO + value with the parameter decoders: the client->server direction. */
function decode(bytes: Buffer): { value: SqlValue; rest: number; type: string } {
  const r = new ByteReader(bytes);
  const typeId = r.u8();
  const decoder = decoderFor(typeId);
  const info = decoder.readTypeInfo(r, typeId);
  const value = decoder.readValue(r, info);
  return { value, rest: r.remaining, type: info.sqlType };
}

const instant = new Date('2024-02-29T13:14:15.123Z');

const cases: Array<[ColumnSpec, SqlValue, SqlValue?]> = [
  [{ name: 'a', type: 'nvarchar', length: 20 }, 'héllo ✓ 😀'],
  [{ name: 'a', type: 'nvarchar' }, 'm'.repeat(20_000)],
  [{ name: 'a', type: 'nvarchar', length: -1 }, ''],
  [{ name: 'a', type: 'varchar', length: 30 }, 'café €'],
  [{ name: 'a', type: 'varchar' }, 'long '.repeat(3000)],
  [{ name: 'a', type: 'int' }, -2147483648],
  [{ name: 'a', type: 'bigint' }, 9007199254740993n],
  [{ name: 'a', type: 'bigint' }, -42n, -42],
  [{ name: 'a', type: 'bit' }, true],
  [{ name: 'a', type: 'datetime2', scale: 7 }, instant],
  [{ name: 'a', type: 'datetime2', scale: 0 }, instant, new Date('2024-02-29T13:14:15.000Z')],
  [{ name: 'a', type: 'datetime2', scale: 3 }, new Date('0001-01-01T00:00:00.000Z')],
  [{ name: 'a', type: 'datetimeoffset', scale: 5 }, instant],
  [{ name: 'a', type: 'datetime' }, instant],
  [{ name: 'a', type: 'datetime' }, new Date('1899-12-31T23:59:59.997Z')],
  [{ name: 'a', type: 'date' }, new Date('9999-12-31T00:00:00Z')],
  [{ name: 'a', type: 'decimal', precision: 38, scale: 10 }, '-1234567890123456789012345678.0123456789'],
  [{ name: 'a', type: 'decimal', precision: 5, scale: 2 }, '123.456', '123.46'],
  [{ name: 'a', type: 'decimal', precision: 9, scale: 0 }, 7, '7'],
  [{ name: 'a', type: 'float' }, -1.5e300],
  [{ name: 'a', type: 'uniqueidentifier' }, '6F9619FF-8B86-D011-B42D-00C04FD430C8'],
  [{ name: 'a', type: 'varbinary', length: 8 }, Buffer.from([0, 1, 2, 255])],
  [{ name: 'a', type: 'varbinary' }, Buffer.alloc(20_000, 9)],
];

describe('data types', () => {
  const named = cases.map(([column, value, expected], i) => ({ i, column, value, expected }));

  it.each(named)('round-trips case $i ($column.type)', ({ column, value, expected }) => {
    const decoded = decode(encode(column, value));
    expect(decoded.rest).toBe(0);
    expect(decoded.type).toBe(column.type);
    expect(decoded.value).toEqual(expected === undefined ? value : expected);
  });

  it.each(named)('round-trips NULL for case $i ($column.type)', ({ column }) => {
    const decoded = decode(encode(column, null));
    expect(decoded.value).toBeNull();
    expect(decoded.rest).toBe(0);
  });

  it('writes UNIQUEIDENTIFIER with the first three groups byte-swapped', () => {
    expect(guidToBytes('6F9619FF-8B86-D011-B42D-00C04FD430C8').toString('hex')).toBe('ff19966f868b11d0b42d00c04fd430c8');
    expect(bytesToGuid(Buffer.from('ff19966f868b11d0b42d00c04fd430c8', 'hex'))).toBe('6F9619FF-8B86-D011-B42D-00C04FD430C8');
  });

  it('writes DATETIME2(7) as 5 bytes of 100 ns units and 3 bytes of days since 0001-01-01', () => {
    const bytes = encode({ name: 'a', type: 'datetime2', scale: 7 }, instant);
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0x2a, 7, 8]));
    const units = ((13 * 3600 + 14 * 60 + 15) * 1000 + 123) * 10_000;
    expect(bytes.readUIntLE(3, 5)).toBe(units);
    expect(bytes.readUIntLE(8, 3)).toBe(738944); // 2024-02-29
  });

  it('writes DATETIME as days since 1900 and 1/300 s ticks', () => {
    const bytes = encode({ name: 'a', type: 'datetime' }, new Date('1900-01-02T00:00:01Z'));
    expect(bytes).toEqual(Buffer.from([0x6f, 8, 8, 1, 0, 0, 0, 44, 1, 0, 0]));
  });

  it('writes DECIMAL as length, sign and little-endian magnitude', () => {
    const bytes = encode({ name: 'a', type: 'decimal', precision: 18, scale: 4 }, '-12.3456');
    expect(bytes).toEqual(Buffer.from([0x6a, 9, 18, 4, 9, 0, 0x40, 0xe2, 0x01, 0, 0, 0, 0, 0]));
  });

  it('writes NVARCHAR with its byte length and collation, and MAX as PLP', () => {
    expect(encode({ name: 'a', type: 'nvarchar', length: 10 }, 'ab')).toEqual(
      Buffer.concat([Buffer.from([0xe7, 20, 0]), DEFAULT_COLLATION, Buffer.from([4, 0, 0x61, 0, 0x62, 0])]),
    );
    const max = encode({ name: 'a', type: 'nvarchar' }, null);
    expect(max.subarray(1, 3)).toEqual(Buffer.from([0xff, 0xff]));
    expect(max.subarray(8)).toEqual(Buffer.alloc(8, 0xff));
  });

  it('decodes the parameter forms clients send besides the ones the server writes', () => {
    const money = Buffer.from([0x6e, 8, 8, 0, 0, 0, 0, 0x10, 0x27, 0, 0]); // MONEYN 1.0000
    expect(decode(money)).toMatchObject({ value: '1.0000', type: 'decimal' });
    const tinyint = Buffer.from([0x26, 1, 1, 250]);
    expect(decode(tinyint)).toMatchObject({ value: 250, type: 'int' });
    const real = Buffer.alloc(7);
    real.set([0x6d, 4, 4]);
    real.writeFloatLE(1.5, 3);
    expect(decode(real)).toMatchObject({ value: 1.5, type: 'float' });
    const time = Buffer.from([0x29, 0, 3, 0x10, 0x0e, 0]); // TIME(0) 01:00:00 = 3600 s
    expect(decode(time).value).toEqual(new Date('1900-01-01T01:00:00Z'));
    expect(() => decode(Buffer.from([0xf3]))).toThrow(/unsupported parameter type 0xf3/);
  });
});

describe('TDS 7.2 down-level dates', () => {
  it('formats DATE, DATETIME2(s) and DATETIMEOFFSET as SQL Server does for old clients', () => {
    expect(downlevelValue({ name: 'd', type: 'date' }, instant)).toBe('2024-02-29');
    expect(downlevelValue({ name: 'd', type: 'datetime2', scale: 7 }, instant)).toBe('2024-02-29 13:14:15.1230000');
    expect(downlevelValue({ name: 'd', type: 'datetime2', scale: 0 }, instant)).toBe('2024-02-29 13:14:15');
    const late = new Date('2024-02-29T23:59:59.600Z');
    expect(downlevelValue({ name: 'd', type: 'datetime2', scale: 0 }, late)).toBe('2024-03-01 00:00:00');
    expect(downlevelValue({ name: 'd', type: 'datetime2', scale: 1 }, late)).toBe('2024-02-29 23:59:59.6');
    expect(downlevelValue({ name: 'd', type: 'datetimeoffset', scale: 3 }, instant)).toBe('2024-02-29 13:14:15.123 +00:00');
    expect(downlevelValue({ name: 'd', type: 'date' }, null)).toBeNull();
    expect(downlevelColumn({ name: 'd', type: 'datetime2', nullable: false })).toEqual({
      name: 'd',
      type: 'nvarchar',
      length: 27,
      nullable: false,
    });
  });
});

describe('decimal text', () => {
  it('scales and rounds half away from zero', () => {
    expect(decimalTextToScaled('1.005', 2)).toBe(101n);
    expect(decimalTextToScaled('-1.005', 2)).toBe(-101n);
    expect(decimalTextToScaled('1.004', 2)).toBe(100n);
    expect(decimalTextToScaled('12', 3)).toBe(12000n);
    expect(decimalTextToScaled('1.5e3', 0)).toBe(1500n);
    expect(decimalTextToScaled('.5', 1)).toBe(5n);
    expect(() => decimalTextToScaled('abc', 1)).toThrow(/invalid decimal/);
  });

  it('formats with the scale', () => {
    expect(scaledToDecimalText(-5n, 3)).toBe('-0.005');
    expect(scaledToDecimalText(123456n, 2)).toBe('1234.56');
    expect(scaledToDecimalText(7n, 0)).toBe('7');
  });
});

describe('CP1252', () => {
  it('maps the 0x80-0x9F block and Latin-1, and replaces the rest with ?', () => {
    expect(encodeCp1252('€‚ƒé')).toEqual(Buffer.from([0x80, 0x82, 0x83, 0xe9]));
    expect(decodeCp1252(Buffer.from([0x80, 0x99, 0xe9, 0x41]))).toBe('€™éA');
    expect(encodeCp1252('中')).toEqual(Buffer.from([0x3f]));
  });
});
