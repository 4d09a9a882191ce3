// FEATUREEXTACK: acknowledges LOGIN7 feature extensions; the emulator only acks UTF8_SUPPORT.
import type { ByteWriter } from '../byteWriter';
import { TokenType } from './tokenTypes';

export const FeatureId = {
  FEDAUTH: 0x02,
  UTF8_SUPPORT: 0x0a,
  TERMINATOR: 0xff,
} as const;

export function writeFeatureExtAck(w: ByteWriter, features: ReadonlyArray<{ id: number; data: Buffer }>): void {
  w.u8(TokenType.FEATUREEXTACK);
  for (const feature of features) w.u8(feature.id).u32le(feature.data.length).bytes(feature.data);
  w.u8(FeatureId.TERMINATOR);
}
