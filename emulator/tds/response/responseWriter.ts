// Streams one response message to the client: token bytes are cut into packets of the negotiated
// size as they come, partial packets are flushed when output pauses (so INFO messages arrive while a
// statement still runs), and end() sends the last packet with EOM.
import { HEADER_LENGTH, PacketStatus, PacketType, encodePacket } from '../packets';

export type PacketSink = (packet: Buffer) => void;

export class ResponseWriter {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private packetId = 1;
  private flushTimer: NodeJS.Immediate | undefined;
  private ended = false;
  /** true once any packet of this message went out (tedious's requestTimeout stops there) */
  started = false;

  constructor(
    private readonly sink: PacketSink,
    private readonly packetSize: number,
    private readonly spid = 0,
    private readonly type: number = PacketType.TABULAR_RESULT,
  ) {}

  write(data: Buffer): void {
    if (this.ended || data.length === 0) return;
    this.chunks.push(data);
    this.bytes += data.length;
    const room = this.packetSize - HEADER_LENGTH;
    while (this.bytes > room) this.emit(room, PacketStatus.NORMAL);
  }

  /** Sends what is buffered as a (short) non-final packet, after the current burst of output. */
  scheduleFlush(): void {
    if (this.flushTimer || this.ended) return;
    this.flushTimer = setImmediate(() => {
      this.flushTimer = undefined;
      if (!this.ended && this.bytes > 0) this.emit(this.bytes, PacketStatus.NORMAL);
    });
  }

  /** Sends the rest with EOM; the message is complete. */
  end(): void {
    if (this.ended) return;
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
    const room = this.packetSize - HEADER_LENGTH;
    while (this.bytes > room) this.emit(room, PacketStatus.NORMAL);
    this.emit(this.bytes, PacketStatus.EOM);
    this.ended = true;
  }

  /** Stops without sending anything more (the connection is going away). */
  abandon(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
    this.ended = true;
  }

  private emit(length: number, status: number): void {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.bytes);
    const payload = all.subarray(0, length);
    const rest = all.subarray(length);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.bytes = rest.length;
    this.started = true;
    this.sink(encodePacket(this.type, status, payload, this.packetId, this.spid));
    this.packetId = (this.packetId + 1) & 0xff;
  }
}

/** One whole message at once (login responses, acknowledgements). */
export function writeWholeMessage(sink: PacketSink, payload: Buffer, packetSize: number, spid = 0): void {
  const writer = new ResponseWriter(sink, packetSize, spid);
  writer.write(payload);
  writer.end();
}
