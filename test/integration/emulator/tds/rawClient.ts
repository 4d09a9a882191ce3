// A minimal hand-rolled TDS client for protocol edge cases real drivers rarely produce (IGNORE,
// byte-by-byte delivery, late ATTENTION, garbage). It frames packets itself, independently of the
// server's code, and builds LOGIN7 with tedious's own encoder.
import * as net from 'node:net';
import Login7Payload from 'tedious/lib/login7-payload';

export const TYPE = { SQL_BATCH: 0x01, RPC: 0x03, ATTENTION: 0x06, LOGIN7: 0x10, PRELOGIN: 0x12 } as const;
export const EOM = 0x01;
export const IGNORE = 0x02;

export interface RawMessage {
  type: number;
  payload: Buffer;
  packets: number;
}

export function packet(type: number, status: number, payload: Buffer, id = 1): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt8(type, 0);
  header.writeUInt8(status, 1);
  header.writeUInt16BE(8 + payload.length, 2);
  header.writeUInt8(id, 6);
  return Buffer.concat([header, payload]);
}

/** ALL_HEADERS with an empty transaction descriptor, as tedious sends it. */
export function allHeaders(): Buffer {
  const b = Buffer.alloc(22);
  b.writeUInt32LE(22, 0);
  b.writeUInt32LE(18, 4);
  b.writeUInt16LE(2, 8);
  b.writeUInt32LE(1, 18);
  return b;
}

export function batchPayload(sql: string): Buffer {
  return Buffer.concat([allHeaders(), Buffer.from(sql, 'utf16le')]);
}

export function preloginPayload(encryption = 2): Buffer {
  // VERSION (6 bytes) and ENCRYPTION (1 byte)
  const table = Buffer.from([0x00, 0, 11, 0, 6, 0x01, 0, 17, 0, 1, 0xff]);
  return Buffer.concat([table, Buffer.from([1, 0, 0, 0, 0, 0]), Buffer.from([encryption])]);
}

export function login7Payload(password: string, tdsVersion = 0x74000004): Buffer {
  const login = new Login7Payload({
    tdsVersion,
    packetSize: 4096,
    clientProgVer: 0,
    clientPid: process.pid,
    connectionId: 0,
    clientTimeZone: 0,
    clientLcid: 0x409,
  });
  login.userName = 'raw';
  login.password = password;
  login.appName = 'raw-client';
  login.serverName = '127.0.0.1';
  login.hostname = 'testhost';
  login.libraryName = 'raw';
  login.language = 'us_english';
  login.database = 'rawdb';
  return login.toBuffer();
}

export class RawTdsClient {
  private buffer = Buffer.alloc(0);
  private readonly messages: RawMessage[] = [];
  private waiters: Array<() => void> = [];
  private current: Buffer[] = [];
  private currentPackets = 0;
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<RawTdsClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RawTdsClient(socket)));
      socket.once('error', reject);
    });
  }

  send(type: number, payload: Buffer, status = EOM): void {
    this.socket.write(packet(type, status, payload));
  }

  /** PRELOGIN (no encryption) and LOGIN7; returns the login response. */
  async login(password: string): Promise<RawMessage> {
    this.send(TYPE.PRELOGIN, preloginPayload());
    await this.next();
    this.send(TYPE.LOGIN7, login7Payload(password));
    return this.next();
  }

  /** The next whole response message. */
  async next(timeoutMs = 5000): Promise<RawMessage> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length === 0) {
      if (this.closed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a message');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages.shift() as RawMessage;
  }

  /** Resolves true if the server closed the connection within the time. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 8) {
      const length = this.buffer.readUInt16BE(2);
      if (this.buffer.length < length) break;
      const type = this.buffer[0];
      const status = this.buffer[1];
      this.current.push(this.buffer.subarray(8, length));
      this.currentPackets++;
      this.buffer = this.buffer.subarray(length);
      if (status & EOM) {
        this.messages.push({ type, payload: Buffer.concat(this.current), packets: this.currentPackets });
        this.current = [];
        this.currentPackets = 0;
      }
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** The last 13 bytes of a response: the final DONE token's type and status. */
export function finalDone(message: RawMessage): { token: number; status: number; rowCount: bigint } {
  const done = message.payload.subarray(message.payload.length - 13);
  return { token: done[0], status: done.readUInt16LE(1), rowCount: done.readBigUInt64LE(5) };
}
