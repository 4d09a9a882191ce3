// A feature of the app (auto-restore; link health, failover and refresh next): the playbooks it
// registers with the engine, and what it keeps that retention must delete with its operations.
import type { Playbook } from '../ops/playbook';
import type { OperationRecord } from '../ops/types';

export interface Feature {
  name: string;
  playbooks: Playbook[];
  /** deletes what the feature keeps for one operation (retention is removing it) */
  forget?(op: OperationRecord): Promise<void>;
  /** deletes up to `limit` of the feature's own records older than `before`; returns how many went */
  purge?(before: Date, limit: number): Promise<number>;
}
