import { PacketReassembler, PacketStatus, PacketType, encodePacket, splitMessage } from '../../../../emulator/tds/packets';
import { TdsProtocolError } from '../../../../emulator/tds/byteReader';

function payloadOf(size: number): Buffer {
  return Buffer.from(Array.from({ length: size }, (_, i) => i % 251));
}

describe('splitMessage', () => {
  it('cuts a payload into packets of the packet size, EOM only on the last', () => {
    const packets = splitMessage(PacketType.TABULAR_RESULT, payloadOf(10_000), 4096, 51);
    expect(packets.map((p) => p.length)).toEqual([4096, 4096, 10_000 - 2 * 4088 + 8]);
    expect(packets.map((p) => p[1])).toEqual([0, 0, PacketStatus.EOM]);
    expect(packets.map((p) => p[6])).toEqual([1, 2, 3]);
    expect(packets[0].readUInt16BE(4)).toBe(51);
  });

  it('sends an empty message as one header-only EOM packet', () => {
    const packets = splitMessage(PacketType.TABULAR_RESULT, Buffer.alloc(0), 4096);
    expect(packets).toHaveLength(1);
    expect(packets[0]).toEqual(Buffer.from([0x04, 0x01, 0x00, 0x08, 0, 0, 1, 0]));
  });
});

describe('PacketReassembler', () => {
  it('rebuilds messages from arbitrarily split bytes', () => {
    const first = payloadOf(9000);
    const second = payloadOf(100);
    const stream = Buffer.concat([
      ...splitMessage(PacketType.RPC_REQUEST, first, 512),
      ...splitMessage(PacketType.SQL_BATCH, second, 4096),
    ]);
    const reassembler = new PacketReassembler();
    const messages = [];
    for (let i = 0; i < stream.length; i += 7) messages.push(...reassembler.push(stream.subarray(i, i + 7)));
    expect(messages.map((m) => m.type)).toEqual([PacketType.RPC_REQUEST, PacketType.SQL_BATCH]);
    expect(messages[0].payload).toEqual(first);
    expect(messages[1].payload).toEqual(second);
    expect(reassembler.bufferedBytes).toBe(0);
  });

  it('reports an ATTENTION between the packets of another message on its own', () => {
    const [a, b] = splitMessage(PacketType.SQL_BATCH, payloadOf(600), 512);
    const attention = encodePacket(PacketType.ATTENTION, PacketStatus.EOM, Buffer.alloc(0), 1);
    const messages = new PacketReassembler().push(Buffer.concat([a, attention, b]));
    expect(messages.map((m) => m.type)).toEqual([PacketType.ATTENTION, PacketType.SQL_BATCH]);
    expect(messages[1].payload).toHaveLength(600);
  });

  it('keeps the first and last packet status (RESETCONNECTION, IGNORE)', () => {
    const p1 = encodePacket(PacketType.SQL_BATCH, PacketStatus.RESET_CONNECTION, Buffer.from([1]), 1);
    const p2 = encodePacket(PacketType.SQL_BATCH, PacketStatus.EOM | PacketStatus.IGNORE, Buffer.alloc(0), 2);
    const [message] = new PacketReassembler().push(Buffer.concat([p1, p2]));
    expect(message.firstStatus).toBe(PacketStatus.RESET_CONNECTION);
    expect(message.lastStatus).toBe(PacketStatus.EOM | PacketStatus.IGNORE);
  });

  it('rejects a packet length shorter than the header', () => {
    expect(() => new PacketReassembler().push(Buffer.from([1, 1, 0, 4, 0, 0, 0, 0]))).toThrow(TdsProtocolError);
  });

  it('rejects messages beyond the size limit', () => {
    const reassembler = new PacketReassembler(1000);
    expect(() => reassembler.push(Buffer.concat(splitMessage(PacketType.SQL_BATCH, payloadOf(2000), 512)))).toThrow(
      /too large/,
    );
  });
});
