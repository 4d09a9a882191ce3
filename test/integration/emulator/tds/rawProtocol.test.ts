// Protocol edge cases with a hand-rolled client: IGNORE, late and early ATTENTION, byte-by-byte
// delivery, old TDS versions and garbage. The server must answer correctly or drop only the
// offending connection.
import { PASSWORD } from './fakeEngine';
import { type Harness, startHarness } from './harness';
import {
  EOM,
  IGNORE,
  RawTdsClient,
  TYPE,
  batchPayload,
  finalDone,
  login7Payload,
  packet,
  preloginPayload,
} from './rawClient';

const DONE = 0xfd;
const STATUS_COUNT = 0x10;
const STATUS_ERROR = 0x02;
const STATUS_ATTN = 0x20;

let h: Harness;
const clients: RawTdsClient[] = [];

async function client(): Promise<RawTdsClient> {
  const c = await RawTdsClient.connect(h.port);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  h = await startHarness();
});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

afterAll(async () => {
  await h?.server.close();
});

describe('raw protocol', () => {
  it('logs in with LOGIN7 from tedious and hands the fields to the engine', async () => {
    const c = await client();
    const response = await c.login(PASSWORD);
    expect(finalDone(response)).toMatchObject({ token: DONE, status: 0 });
    expect(response.payload.includes(0xad)).toBe(true); // LOGINACK token present
    expect(h.endpoint.logins[h.endpoint.logins.length - 1]).toMatchObject({
      userName: 'raw',
      password: PASSWORD,
      database: 'rawdb',
      appName: 'raw-client',
      hostName: 'testhost',
    });
  });

  it('reassembles a conversation delivered one byte at a time', async () => {
    const c = await client();
    const bytes = Buffer.concat([
      packet(TYPE.PRELOGIN, EOM, preloginPayload()),
      packet(TYPE.LOGIN7, EOM, login7Payload(PASSWORD)),
      packet(TYPE.SQL_BATCH, EOM, batchPayload('SELECT 1;')),
    ]);
    for (const byte of bytes) {
      c.socket.write(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    await c.next(); // PRELOGIN
    await c.next(); // login
    const result = await c.next();
    expect(finalDone(result)).toEqual({ token: DONE, status: STATUS_COUNT, rowCount: 1n });
  });

  it('reassembles a request split across several packets', async () => {
    const c = await client();
    await c.login(PASSWORD);
    const payload = batchPayload(`typed;${' '.repeat(3000)}`);
    const parts = [payload.subarray(0, 1000), payload.subarray(1000, 4000), payload.subarray(4000)];
    parts.forEach((part, i) => c.socket.write(packet(TYPE.SQL_BATCH, i === parts.length - 1 ? EOM : 0, part, i + 1)));
    const result = await c.next();
    expect(result.packets).toBeGreaterThan(1); // the typed row has 15 KB of MAX values
    expect(finalDone(result)).toEqual({ token: DONE, status: STATUS_COUNT, rowCount: 1n });
  });

  it('answers a request ended with IGNORE with a lone DONE(ERROR) and runs nothing', async () => {
    const c = await client();
    await c.login(PASSWORD);
    const session = h.endpoint.sessions[h.endpoint.sessions.length - 1];
    const before = session.requests.length;
    c.socket.write(packet(TYPE.SQL_BATCH, 0, batchPayload('typed')));
    c.socket.write(packet(TYPE.SQL_BATCH, EOM | IGNORE, Buffer.alloc(0), 2));
    const response = await c.next();
    expect(response.payload).toHaveLength(13);
    expect(finalDone(response)).toMatchObject({ token: DONE, status: STATUS_ERROR });
    expect(session.requests.length).toBe(before);
    c.send(TYPE.SQL_BATCH, batchPayload('SELECT 1;'));
    expect(finalDone(await c.next())).toMatchObject({ status: STATUS_COUNT });
  });

  it('acknowledges an ATTENTION that arrives after the response with a lone DONE(ATTN)', async () => {
    const c = await client();
    await c.login(PASSWORD);
    c.send(TYPE.SQL_BATCH, batchPayload('SELECT 1;'));
    await c.next();
    c.send(TYPE.ATTENTION, Buffer.alloc(0));
    const ack = await c.next();
    expect(ack.payload).toHaveLength(13);
    expect(finalDone(ack)).toMatchObject({ token: DONE, status: STATUS_ATTN });
  });

  it('ends a cancelled request with its own message, then the DONE(ATTN) message', async () => {
    const c = await client();
    await c.login(PASSWORD);
    // request and ATTENTION in one TCP write: the server must still start the request first
    c.socket.write(Buffer.concat([packet(TYPE.SQL_BATCH, EOM, batchPayload('sleep')), packet(TYPE.ATTENTION, EOM, Buffer.alloc(0))]));
    const response = await c.next(2000);
    expect(finalDone(response).status & STATUS_ATTN).toBe(0);
    const ack = await c.next(2000);
    expect(finalDone(ack)).toMatchObject({ token: DONE, status: STATUS_ATTN });
    c.send(TYPE.SQL_BATCH, batchPayload('SELECT 1;'));
    expect(finalDone(await c.next())).toMatchObject({ status: STATUS_COUNT });
  });

  it('reports T-SQL transaction boundaries with ENVCHANGE 8/9 and DONE_INXACT', async () => {
    const c = await client();
    await c.login(PASSWORD);
    c.send(TYPE.SQL_BATCH, batchPayload('begin tran'));
    const begun = await c.next();
    // ENVCHANGE, length 11, type 8 (begin), new value: 8-byte descriptor, old value: empty
    expect(begun.payload.subarray(0, 5)).toEqual(Buffer.from([0xe3, 11, 0, 8, 8]));
    expect(finalDone(begun).status & 0x04).toBe(0x04);
    const descriptor = begun.payload.subarray(5, 13);
    c.send(TYPE.SQL_BATCH, batchPayload('SELECT 1;'));
    expect(finalDone(await c.next()).status).toBe(STATUS_COUNT | 0x04);
    c.send(TYPE.SQL_BATCH, batchPayload('commit tran'));
    const committed = await c.next();
    expect(committed.payload.subarray(0, 14)).toEqual(Buffer.concat([Buffer.from([0xe3, 11, 0, 9, 0, 8]), descriptor]));
    expect(finalDone(committed).status & 0x04).toBe(0);
  });

  it('refuses TDS 7.1 logins and closes', async () => {
    const c = await client();
    c.send(TYPE.PRELOGIN, preloginPayload());
    await c.next();
    c.send(TYPE.LOGIN7, login7Payload(PASSWORD, 0x71000001));
    const response = await c.next();
    expect(response.payload[0]).toBe(0xaa); // ERROR
    expect(finalDone(response).status).toBe(STATUS_ERROR);
    expect(await c.waitClosed()).toBe(true);
  });

  it('drops a connection that sends garbage and keeps serving others', async () => {
    const bad = await client();
    bad.socket.write(Buffer.from([0x12, 0x01, 0x00, 0x02, 0, 0, 0, 0])); // packet length 2 < header
    expect(await bad.waitClosed()).toBe(true);
    const badLogin = await client();
    badLogin.send(TYPE.PRELOGIN, preloginPayload());
    await badLogin.next();
    badLogin.send(TYPE.LOGIN7, Buffer.from('not a login'));
    expect(await badLogin.waitClosed()).toBe(true);
    const good = await client();
    await good.login(PASSWORD);
    good.send(TYPE.SQL_BATCH, batchPayload('SELECT 1;'));
    expect(finalDone(await good.next())).toMatchObject({ status: STATUS_COUNT });
  });

  it('drops connections whose TLS handshake is garbage, in both TLS modes', async () => {
    const strict = await client();
    strict.socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5])); // not a ClientHello
    expect(await strict.waitClosed()).toBe(true);
    const prelogin = await client();
    prelogin.send(TYPE.PRELOGIN, preloginPayload(1)); // ENCRYPT_ON: TLS inside PRELOGIN follows
    await prelogin.next();
    prelogin.send(TYPE.SQL_BATCH, batchPayload('SELECT 1;')); // not a PRELOGIN-wrapped handshake
    expect(await prelogin.waitClosed()).toBe(true);
    const good = await client();
    await good.login(PASSWORD);
  });

  it('answers BULK_LOAD with an error and stays usable', async () => {
    const c = await client();
    await c.login(PASSWORD);
    c.send(0x07, Buffer.from([0x81, 0, 0]));
    const response = await c.next();
    expect(response.payload[0]).toBe(0xaa);
    expect(finalDone(response).status).toBe(STATUS_ERROR);
    c.send(TYPE.SQL_BATCH, batchPayload('SELECT 1;'));
    expect(finalDone(await c.next())).toMatchObject({ status: STATUS_COUNT });
  });

  it('answers an RPC with an unknown parameter type with error 8016 and stays usable', async () => {
    const c = await client();
    await c.login(PASSWORD);
    const body = Buffer.concat([
      Buffer.from([0xff, 0xff, 10, 0, 0, 0]), // proc id 10 (sp_executesql), option flags
      Buffer.from([0, 0, 0x99]), // unnamed parameter, status 0, type 0x99 (unknown)
    ]);
    c.send(TYPE.RPC, Buffer.concat([Buffer.from(batchPayload('').subarray(0, 22)), body]));
    const response = await c.next();
    expect(response.payload[0]).toBe(0xaa);
    expect(response.payload.readInt32LE(3)).toBe(8016);
    c.send(TYPE.SQL_BATCH, batchPayload('SELECT 1;'));
    expect(finalDone(await c.next())).toMatchObject({ status: STATUS_COUNT });
  });
});
