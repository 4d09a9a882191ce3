// The token stream answering LOGIN7, in SQL Server's order (MS-TDS 4.4 login response example):
// ENVCHANGE database, INFO 5701, ENVCHANGE collation, ENVCHANGE language, INFO 5703, LOGINACK,
// ENVCHANGE packet size, FEATUREEXTACK, DONE. A refused login is ERROR + DONE(ERROR).
import { ByteWriter } from '../byteWriter';
import { DoneStatus, writeDone } from '../tokens/done';
import { EnvChangeType, writeBinaryEnvChange, writeTextEnvChange } from '../tokens/envchange';
import { FeatureId, writeFeatureExtAck } from '../tokens/featureExtAck';
import { writeLoginAck } from '../tokens/loginack';
import { writeMessage } from '../tokens/message';
import type { SqlMessage } from '../types';

export const DEFAULT_LANGUAGE = 'us_english';

export interface LoginSuccess {
  database: string;
  collation: Buffer;
  tdsVersion: number;
  versionBytes: readonly [number, number, number, number];
  packetSize: number;
  /** the size in force before login (ENVCHANGE 4's old value) */
  previousPacketSize: number;
  serverName: string;
  /** the client sent the UTF8_SUPPORT feature extension */
  acknowledgeUtf8: boolean;
  /** the client logged in with an access token (FEDAUTH): acknowledged with empty data */
  acknowledgeFedAuth?: boolean;
}

export function databaseChangedMessage(database: string): SqlMessage {
  return { number: 5701, state: 2, class: 0, message: `Changed database context to '${database}'.` };
}

export function buildLoginSuccess(s: LoginSuccess): Buffer {
  const w = new ByteWriter(512);
  writeTextEnvChange(w, EnvChangeType.DATABASE, s.database, 'master');
  writeMessage(w, databaseChangedMessage(s.database), s.serverName);
  writeBinaryEnvChange(w, EnvChangeType.SQL_COLLATION, s.collation, Buffer.alloc(0));
  writeTextEnvChange(w, EnvChangeType.LANGUAGE, DEFAULT_LANGUAGE, '');
  writeMessage(
    w,
    { number: 5703, state: 1, class: 0, message: `Changed language setting to ${DEFAULT_LANGUAGE}.` },
    s.serverName,
  );
  writeLoginAck(w, s.tdsVersion, s.versionBytes);
  writeTextEnvChange(w, EnvChangeType.PACKET_SIZE, String(s.packetSize), String(s.previousPacketSize));
  const acks: Array<{ id: number; data: Buffer }> = [];
  if (s.acknowledgeFedAuth) acks.push({ id: FeatureId.FEDAUTH, data: Buffer.alloc(0) });
  if (s.acknowledgeUtf8) acks.push({ id: FeatureId.UTF8_SUPPORT, data: Buffer.from([1]) });
  if (acks.length > 0) writeFeatureExtAck(w, acks);
  writeDone(w, { kind: 'done', status: DoneStatus.FINAL });
  return w.toBuffer();
}

export function buildLoginFailure(error: SqlMessage, serverName: string): Buffer {
  const w = new ByteWriter(256);
  writeMessage(w, error, serverName);
  writeDone(w, { kind: 'done', status: DoneStatus.ERROR });
  return w.toBuffer();
}
