import { ByteWriter } from '../../../../emulator/tds/byteWriter';
import { toClientRequest } from '../../../../emulator/tds/requests/clientRequest';
import { parseParamDeclarations } from '../../../../emulator/tds/requests/paramDeclarations';
import { parseRpcRequest } from '../../../../emulator/tds/requests/rpcRequest';
import { parseSqlBatch } from '../../../../emulator/tds/requests/sqlBatch';
import { parseTransactionManager } from '../../../../emulator/tds/requests/transactionManager';
import { DEFAULT_COLLATION } from '../../../../emulator/tds/datatypes/collation';

function allHeaders(descriptor = Buffer.alloc(8)): Buffer {
  const w = new ByteWriter().u32le(22).u32le(18).u16le(2).bytes(descriptor).u32le(1);
  return w.toBuffer();
}

function nvarcharParam(w: ByteWriter, name: string, value: string, status = 0): void {
  const data = Buffer.from(value, 'utf16le');
  w.bVarchar(name).u8(status).u8(0xe7).u16le(8000).bytes(DEFAULT_COLLATION).u16le(data.length).bytes(data);
}

function intParam(w: ByteWriter, name: string, value: number | null, status = 0): void {
  w.bVarchar(name).u8(status).u8(0x26).u8(4);
  if (value === null) w.u8(0);
  else w.u8(4).i32le(value);
}

describe('request parsing', () => {
  it('reads SQL_BATCH text after ALL_HEADERS', () => {
    const payload = Buffer.concat([allHeaders(), Buffer.from('SELECT N\'ü\';\n', 'utf16le')]);
    expect(parseSqlBatch(payload)).toBe("SELECT N'ü';\n");
  });

  it('reads sp_executesql by id with declarations, names and OUTPUT flags', () => {
    const w = new ByteWriter().bytes(allHeaders()).u16le(0xffff).u16le(10).u16le(0);
    nvarcharParam(w, '', 'SELECT @a + @b');
    nvarcharParam(w, '', '@a int, @b decimal(18, 2) OUTPUT, @c nvarchar(max)');
    intParam(w, '@a', 5);
    intParam(w, '@b', null, 1);
    const calls = parseRpcRequest(w.toBuffer());
    expect(calls).toHaveLength(1);
    expect(toClientRequest(calls[0])).toEqual({
      kind: 'executesql',
      sql: 'SELECT @a + @b',
      params: [
        { name: '@a', type: 'int', value: 5, output: false },
        { name: '@b', type: 'int', value: null, output: true },
      ],
    });
  });

  it('names positional values from the @params declarations', () => {
    const w = new ByteWriter().bytes(allHeaders()).u16le(0xffff).u16le(10).u16le(0);
    nvarcharParam(w, '', 'SELECT @x');
    nvarcharParam(w, '', '@x int OUT');
    intParam(w, '', 9);
    const request = toClientRequest(parseRpcRequest(w.toBuffer())[0]);
    expect(request).toMatchObject({ kind: 'executesql', params: [{ name: '@x', value: 9, output: true }] });
  });

  it('reads procedures by name and several calls in one message', () => {
    const name = 'dbo.usp_do_thing';
    const w = new ByteWriter().bytes(allHeaders()).u16le(name.length).ucs2(name).u16le(0);
    intParam(w, '@n', 1);
    w.u8(0xff).u16le(0xffff).u16le(15).u16le(0); // then sp_unprepare
    intParam(w, '', 3);
    const calls = parseRpcRequest(w.toBuffer());
    expect(calls.map((c) => c.procName)).toEqual(['dbo.usp_do_thing', 'sp_unprepare']);
    expect(toClientRequest(calls[0])).toEqual({
      kind: 'rpc',
      procName: 'dbo.usp_do_thing',
      params: [{ name: '@n', type: 'int', value: 1, output: false }],
    });
  });

  it('parses @params declarations with commas inside types', () => {
    expect(parseParamDeclarations('@a decimal(18, 4), @b nvarchar(max) OUTPUT,@c int out')).toEqual([
      { name: '@a', typeText: 'decimal(18, 4)', output: false },
      { name: '@b', typeText: 'nvarchar(max)', output: true },
      { name: '@c', typeText: 'int', output: true },
    ]);
  });

  it('reads TRANSACTION_MANAGER begin, commit, rollback and save', () => {
    const descriptor = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]);
    const begin = new ByteWriter().bytes(allHeaders()).u16le(5).u8(2).bVarchar('t1').toBuffer();
    expect(parseTransactionManager(begin)).toMatchObject({ kind: 'begin', name: 't1', isolationLevel: 2 });
    const commit = new ByteWriter().bytes(allHeaders(descriptor)).u16le(7).bVarchar('').u8(0).toBuffer();
    expect(parseTransactionManager(commit)).toMatchObject({ kind: 'commit', name: '', transactionDescriptor: descriptor });
    const rollback = new ByteWriter().bytes(allHeaders(descriptor)).u16le(8).bVarchar('sp1').u8(0).toBuffer();
    expect(parseTransactionManager(rollback)).toMatchObject({ kind: 'rollback', name: 'sp1' });
    const save = new ByteWriter().bytes(allHeaders(descriptor)).u16le(9).bVarchar('sp1').toBuffer();
    expect(parseTransactionManager(save)).toMatchObject({ kind: 'save', name: 'sp1' });
    const dtc = new ByteWriter().bytes(allHeaders()).u16le(0).toBuffer();
    expect(() => parseTransactionManager(dtc)).toThrow(/unsupported/);
  });

  it('rejects a bad ALL_HEADERS length', () => {
    expect(() => parseSqlBatch(Buffer.from([0xff, 0, 0, 0, 1, 2]))).toThrow(/ALL_HEADERS/);
  });
});
