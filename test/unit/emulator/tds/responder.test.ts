import { ByteWriter } from '../../../../emulator/tds/byteWriter';
import { DEFAULT_COLLATION } from '../../../../emulator/tds/datatypes/collation';
import { RequestResponder, type ResponseShape } from '../../../../emulator/tds/response/requestResponder';
import { ResponseWriter } from '../../../../emulator/tds/response/responseWriter';
import { doneBytes } from '../../../../emulator/tds/tokens/done';
import type { RequestOutput } from '../../../../emulator/tds/types';

async function* from(outputs: RequestOutput[]): AsyncGenerator<RequestOutput> {
  for (const o of outputs) yield o;
}

async function respond(
  outputs: AsyncIterable<RequestOutput>,
  shape: ResponseShape,
  signal = new AbortController().signal,
  database = { current: 'master', told: 'master' },
): Promise<{ payload: Buffer; packets: Buffer[]; outcome: string }> {
  const packets: Buffer[] = [];
  const writer = new ResponseWriter((p) => packets.push(p), 4096);
  const responder = new RequestResponder(
    {
      writer,
      collation: DEFAULT_COLLATION,
      serverName: 'srv',
      writeStateChanges: (w: ByteWriter) => {
        if (database.current !== database.told) {
          w.u8(0xe3); // marker only: the real ENVCHANGE is tested end to end
          database.told = database.current;
        }
      },
      inTransaction: () => false,
      waitWritable: () => Promise.resolve(),
      resetConnection: () => undefined,
    },
    shape,
  );
  const outcome = await responder.run(outputs, signal);
  writer.end();
  return { payload: Buffer.concat(packets.map((p) => p.subarray(8))), packets, outcome };
}

const done = (kind: 'done' | 'doneProc' | 'doneInProc', status: number, rowCount = 0, command = 0): Buffer =>
  doneBytes({ kind, status, rowCount, command });

describe('RequestResponder', () => {
  it('ends an empty batch with DONE(0)', async () => {
    const { payload } = await respond(from([]), { kind: 'batch' });
    expect(payload).toEqual(done('done', 0));
  });

  it('sets MORE on every DONE but the last, COUNT where a row count is given', async () => {
    const { payload } = await respond(
      from([
        { type: 'statementDone', rowCount: 3 },
        { type: 'statementDone' },
        { type: 'statementDone', rowCount: 0 },
      ]),
      { kind: 'batch' },
    );
    expect(payload).toEqual(Buffer.concat([done('done', 0x11, 3), done('done', 0x01), done('done', 0x10, 0)]));
  });

  it('shapes an RPC as DONEINPROC per statement, RETURNSTATUS, DONEPROC', async () => {
    const { payload } = await respond(from([{ type: 'statementDone', rowCount: 1 }]), {
      kind: 'rpc',
      params: [],
      last: true,
    });
    const returnStatus = Buffer.from([0x79, 0, 0, 0, 0]);
    expect(payload).toEqual(Buffer.concat([done('doneInProc', 0x11, 1), returnStatus, done('doneProc', 0)]));
  });

  it('flags errors on the statement DONE and on the final DONE', async () => {
    const { payload } = await respond(
      from([
        { type: 'message', message: { number: 3013, state: 1, class: 16, message: 'x' } },
        { type: 'statementDone', error: true },
      ]),
      { kind: 'rpc', params: [], last: true },
    );
    expect(payload[0]).toBe(0xaa);
    expect(payload.subarray(payload.length - 31)).toEqual(
      Buffer.concat([done('doneInProc', 0x03), Buffer.from([0x79, 0, 0, 0, 0]), done('doneProc', 0x02)]),
    );
  });

  it('closes a result set the engine left open, so clients keep the recordset', async () => {
    const { payload } = await respond(
      from([{ type: 'resultSet', resultSet: { columns: [{ name: 'a', type: 'int' }], rows: [[1]] } }]),
      { kind: 'batch' },
    );
    expect(payload.subarray(payload.length - 13)).toEqual(done('done', 0, 0, 0xc1));
  });

  it('turns a thrown engine error into ERROR + DONE(ERROR)', async () => {
    async function* failing(): AsyncGenerator<RequestOutput> {
      yield { type: 'statementDone', rowCount: 1 };
      throw Object.assign(new Error('Invalid object name'), { number: 208, state: 1, severity: 16 });
    }
    const { payload } = await respond(failing(), { kind: 'batch' });
    expect(payload.subarray(0, 13)).toEqual(done('done', 0x11, 1));
    expect(payload[13]).toBe(0xaa);
    expect(payload.readInt32LE(16)).toBe(208);
    expect(payload.subarray(payload.length - 13)).toEqual(done('done', 0x02));
  });

  it('writes the database ENVCHANGE before the DONE of the statement that changed it', async () => {
    const database = { current: 'master', told: 'master' };
    async function* use(): AsyncGenerator<RequestOutput> {
      database.current = 'other';
      yield { type: 'statementDone' };
    }
    const { payload } = await respond(use(), { kind: 'batch' }, undefined, database);
    expect(payload).toEqual(Buffer.concat([Buffer.from([0xe3]), done('done', 0)]));
  });

  it('stops at once when aborted, even if the engine ignores the signal', async () => {
    const controller = new AbortController();
    async function* stubborn(): AsyncGenerator<RequestOutput> {
      yield { type: 'message', message: { number: 1, state: 1, class: 0, message: 'started' } };
      await new Promise((r) => setTimeout(r, 10_000).unref());
      yield { type: 'statementDone' };
    }
    setTimeout(() => controller.abort(), 20);
    const { outcome, payload } = await respond(stubborn(), { kind: 'batch' }, controller.signal);
    expect(outcome).toBe('aborted');
    expect(payload[0]).toBe(0xab);
    expect(payload.subarray(payload.length - 13)).toEqual(done('done', 0));
  });

  it('streams: an info message leaves in its own packet before the request ends', async () => {
    const packets: Buffer[] = [];
    const writer = new ResponseWriter((p) => packets.push(p), 4096);
    writer.write(Buffer.from([1, 2, 3]));
    writer.scheduleFlush();
    await new Promise((r) => setImmediate(r));
    expect(packets).toHaveLength(1);
    expect(packets[0][1]).toBe(0); // not EOM
    writer.end();
    expect(packets).toHaveLength(2);
    expect(packets[1][1]).toBe(1);
  });
});
