import { ServerFlightTracker } from '../../../../emulator/tds/tls/serverFlightTracker';

function record(type: number, body: Buffer): Buffer {
  const header = Buffer.from([type, 3, 3, 0, 0]);
  header.writeUInt16BE(body.length, 3);
  return Buffer.concat([header, body]);
}

function handshake(type: number, length: number): Buffer {
  const h = Buffer.alloc(4 + length);
  h[0] = type;
  h.writeUIntBE(length, 1, 3);
  return h;
}

describe('ServerFlightTracker', () => {
  it('ends flight 2 at ServerHelloDone, even when split across writes and records', () => {
    const tracker = new ServerFlightTracker();
    const hello = handshake(2, 70);
    const certificate = handshake(11, 900);
    const done = handshake(14, 0);
    const messages = Buffer.concat([hello, certificate, done]);
    // the handshake messages span two records, delivered in odd-sized writes
    const stream = Buffer.concat([record(0x16, messages.subarray(0, 500)), record(0x16, messages.subarray(500))]);
    const results: boolean[] = [];
    for (let i = 0; i < stream.length; i += 333) results.push(tracker.push(stream.subarray(i, i + 333)));
    expect(results.slice(0, -1).every((r) => !r)).toBe(true);
    expect(results[results.length - 1]).toBe(true);
    expect(tracker.finished).toBe(false);
  });

  it('ends the last flight at the encrypted Finished after ChangeCipherSpec', () => {
    const tracker = new ServerFlightTracker();
    expect(tracker.push(record(0x16, handshake(4, 200)))).toBe(false); // NewSessionTicket
    expect(tracker.push(record(0x14, Buffer.from([1])))).toBe(false);
    expect(tracker.push(record(0x16, Buffer.alloc(40, 0xaa)))).toBe(true);
    expect(tracker.finished).toBe(true);
  });

  it('ends a flight at an alert', () => {
    expect(new ServerFlightTracker().push(record(0x15, Buffer.from([2, 40])))).toBe(true);
  });
});
