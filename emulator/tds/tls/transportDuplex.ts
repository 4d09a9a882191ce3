// The stream a server-side TLSSocket runs over. It sits between the TCP socket and TLS:
//   'prelogin' mode (TLS inside PRELOGIN): incoming PRELOGIN packets are unwrapped for TLS, and each
//     server handshake flight is wrapped into one PRELOGIN message; after the server's Finished both
//     directions switch to raw TLS records;
//   'raw' mode (TDS 8 strict): bytes pass straight through.
// Node's TLSSocket cannot wrap a net.Socket that already delivered bytes (it reads the handle
// directly), so the sniffed first bytes of a strict connection are re-fed through this duplex.
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { PacketReassembler, PacketType, splitMessage } from '../packets';
import { ServerFlightTracker } from './serverFlightTracker';

/** Handshake flights are small; wrap them in packets of the pre-login default size. */
const HANDSHAKE_PACKET_SIZE = 4096;

export class TransportDuplex extends Duplex {
  private readonly reassembler = new PacketReassembler(1024 * 1024);
  private readonly tracker = new ServerFlightTracker();
  private flight: Buffer[] = [];

  constructor(
    private readonly socket: Socket,
    private mode: 'prelogin' | 'raw',
  ) {
    super();
  }

  /** Bytes from the network. */
  receive(chunk: Buffer): void {
    if (this.mode === 'raw') {
      this.push(chunk);
      return;
    }
    for (const message of this.reassembler.push(chunk)) {
      if (message.type !== PacketType.PRELOGIN) {
        this.destroy(new Error(`unexpected packet type 0x${message.type.toString(16)} during TLS handshake`));
        return;
      }
      this.push(message.payload);
    }
  }

  override _read(): void {
    // Data is pushed as it arrives from the socket.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.mode === 'raw') {
      if (this.socket.destroyed) callback();
      else this.socket.write(chunk, () => callback());
      return;
    }
    this.flight.push(chunk);
    if (this.tracker.push(chunk)) {
      const payload = Buffer.concat(this.flight);
      this.flight = [];
      if (!this.socket.destroyed) {
        for (const packet of splitMessage(PacketType.PRELOGIN, payload, HANDSHAKE_PACKET_SIZE)) this.socket.write(packet);
      }
      if (this.tracker.finished) this.mode = 'raw';
    }
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.socket.destroyed) this.socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}
