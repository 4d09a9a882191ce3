// TDS packet framing: the 8-byte header, splitting a message into packets of the negotiated size,
// and reassembling client packets into whole messages (a message ends at the packet with EOM).
import { TdsProtocolError } from './byteReader';

export const PacketType = {
  SQL_BATCH: 0x01,
  RPC_REQUEST: 0x03,
  TABULAR_RESULT: 0x04,
  ATTENTION: 0x06,
  BULK_LOAD: 0x07,
  FEDAUTH_TOKEN: 0x08,
  TRANSACTION_MANAGER: 0x0e,
  LOGIN7: 0x10,
  SSPI: 0x11,
  PRELOGIN: 0x12,
} as const;

export const PacketStatus = {
  NORMAL: 0x00,
  EOM: 0x01,
  IGNORE: 0x02,
  RESET_CONNECTION: 0x08,
  RESET_CONNECTION_SKIP_TRAN: 0x10,
} as const;

export const HEADER_LENGTH = 8;
/** The largest packet size a client may negotiate (LOGIN7 PacketSize). */
export const MAX_PACKET_SIZE = 32767;
export const MIN_PACKET_SIZE = 512;
export const DEFAULT_PACKET_SIZE = 4096;

export interface TdsMessage {
  type: number;
  /** status of the first packet (RESETCONNECTION lives there) */
  firstStatus: number;
  /** status of the last packet (EOM, IGNORE) */
  lastStatus: number;
  payload: Buffer;
}

export function encodePacket(type: number, status: number, payload: Buffer, packetId: number, spid = 0): Buffer {
  const packet = Buffer.allocUnsafe(HEADER_LENGTH + payload.length);
  packet.writeUInt8(type, 0);
  packet.writeUInt8(status, 1);
  packet.writeUInt16BE(packet.length, 2);
  packet.writeUInt16BE(spid & 0xffff, 4);
  packet.writeUInt8(packetId & 0xff, 6);
  packet.writeUInt8(0, 7);
  payload.copy(packet, HEADER_LENGTH);
  return packet;
}

/** Splits one whole message into packets; only the last carries EOM. */
export function splitMessage(type: number, payload: Buffer, packetSize: number, spid = 0): Buffer[] {
  const room = packetSize - HEADER_LENGTH;
  const packets: Buffer[] = [];
  let offset = 0;
  let id = 1;
  do {
    const chunk = payload.subarray(offset, offset + room);
    offset += chunk.length;
    const last = offset >= payload.length;
    packets.push(encodePacket(type, last ? PacketStatus.EOM : PacketStatus.NORMAL, chunk, id++, spid));
  } while (offset < payload.length);
  return packets;
}

/**
 * Turns a byte stream into whole messages. ATTENTION packets are reported on their own even if they
 * arrive between the packets of another message, because a client may cancel at any moment.
 */
export class PacketReassembler {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private messageType = -1;
  private firstStatus = 0;

  constructor(private readonly maxMessageBytes = 256 * 1024 * 1024) {}

  /** Feeds received bytes; returns the messages completed by them, in order. */
  push(chunk: Buffer): TdsMessage[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const done: TdsMessage[] = [];
    for (;;) {
      if (this.pendingBytes < HEADER_LENGTH) break;
      const head = this.peek(HEADER_LENGTH);
      const length = head.readUInt16BE(2);
      if (length < HEADER_LENGTH) throw new TdsProtocolError(`invalid packet length ${length}`);
      if (this.pendingBytes < length) break;
      const packet = this.take(length);
      const type = packet.readUInt8(0);
      const status = packet.readUInt8(1);
      const body = packet.subarray(HEADER_LENGTH);
      if (type === PacketType.ATTENTION && this.messageType !== PacketType.ATTENTION) {
        done.push({ type, firstStatus: status, lastStatus: status, payload: body });
        continue;
      }
      if (this.parts.length === 0) {
        this.messageType = type;
        this.firstStatus = status;
      }
      this.parts.push(body);
      this.partsBytes += body.length;
      if (this.partsBytes > this.maxMessageBytes) throw new TdsProtocolError('request message too large');
      if (status & PacketStatus.EOM) {
        done.push({
          type: this.messageType,
          firstStatus: this.firstStatus,
          lastStatus: status,
          payload: Buffer.concat(this.parts, this.partsBytes),
        });
        this.parts = [];
        this.partsBytes = 0;
        this.messageType = -1;
      }
    }
    return done;
  }

  /** Bytes received but not yet part of a complete packet. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  private peek(n: number): Buffer {
    if (this.pending[0].length >= n) return this.pending[0].subarray(0, n);
    const all = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [all];
    return all.subarray(0, n);
  }

  private take(n: number): Buffer {
    const first = this.pending[0].length >= n ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    if (first !== this.pending[0]) this.pending = [first];
    const packet = first.subarray(0, n);
    const rest = first.subarray(n);
    if (rest.length > 0) this.pending[0] = rest;
    else this.pending.shift();
    this.pendingBytes -= n;
    return packet;
  }
}
