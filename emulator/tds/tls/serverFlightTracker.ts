// Finds where the server's TLS 1.2 handshake flights end, from the records themselves (not timing),
// so each flight can be wrapped in exactly one PRELOGIN message: tedious sends one PRELOGIN message
// per client flight and reads exactly one message back.
//   flight 2 ends with ServerHelloDone (a plaintext handshake message, type 14);
//   the last flight ends with the encrypted Finished record that follows ChangeCipherSpec.
const RECORD_CHANGE_CIPHER_SPEC = 0x14;
const RECORD_ALERT = 0x15;
const RECORD_HANDSHAKE = 0x16;
const HANDSHAKE_SERVER_HELLO_DONE = 14;
const RECORD_HEADER = 5;

export class ServerFlightTracker {
  private records = Buffer.alloc(0);
  private handshake = Buffer.alloc(0);
  private sawChangeCipherSpec = false;
  /** the server sent its Finished: from now on TLS records travel without PRELOGIN wrapping */
  finished = false;

  /** Feeds bytes the TLS engine wrote; true when they complete a flight. */
  push(data: Buffer): boolean {
    this.records = Buffer.concat([this.records, data]);
    let flightEnd = false;
    while (this.records.length >= RECORD_HEADER) {
      const type = this.records[0];
      const length = this.records.readUInt16BE(3);
      if (this.records.length < RECORD_HEADER + length) break;
      const body = this.records.subarray(RECORD_HEADER, RECORD_HEADER + length);
      this.records = this.records.subarray(RECORD_HEADER + length);
      if (type === RECORD_CHANGE_CIPHER_SPEC) {
        this.sawChangeCipherSpec = true;
      } else if (type === RECORD_HANDSHAKE && this.sawChangeCipherSpec) {
        this.finished = true;
        flightEnd = true;
      } else if (type === RECORD_HANDSHAKE) {
        flightEnd = this.scanHandshake(body) || flightEnd;
      } else if (type === RECORD_ALERT) {
        flightEnd = true;
      }
    }
    return flightEnd;
  }

  private scanHandshake(body: Buffer): boolean {
    this.handshake = Buffer.concat([this.handshake, body]);
    let sawDone = false;
    while (this.handshake.length >= 4) {
      const length = this.handshake.readUIntBE(1, 3);
      if (this.handshake.length < 4 + length) break;
      if (this.handshake[0] === HANDSHAKE_SERVER_HELLO_DONE) sawDone = true;
      this.handshake = this.handshake.subarray(4 + length);
    }
    return sawDone;
  }
}
