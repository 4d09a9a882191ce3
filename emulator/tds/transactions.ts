// The TDS view of a session's transaction: the 8-byte descriptor clients quote in ALL_HEADERS and
// the ENVCHANGE (8 begin, 9 commit, 10 rollback) each TRANSACTION_MANAGER request produces.
import type { ByteWriter } from './byteWriter';
import { EnvChangeType, writeBinaryEnvChange } from './tokens/envchange';
import type { TransactionEvent, TransactionRequest } from './types';

const EMPTY = Buffer.alloc(0);

export class TransactionTracker {
  private depth = 0;
  private descriptor = EMPTY;
  private nextId = 1n;
  private readonly savepoints = new Set<string>();

  get active(): boolean {
    return this.depth > 0;
  }

  /** Records a request the engine accepted and writes the ENVCHANGE SQL Server would send. */
  apply(w: ByteWriter, kind: TransactionRequest, name: string): void {
    switch (kind) {
      case 'begin':
        this.depth++;
        if (this.depth === 1) {
          this.descriptor = Buffer.alloc(8);
          this.descriptor.writeBigUInt64LE(this.nextId++);
          writeBinaryEnvChange(w, EnvChangeType.BEGIN_TRANSACTION, this.descriptor, EMPTY);
        }
        break;
      case 'commit':
        if (this.depth === 1) writeBinaryEnvChange(w, EnvChangeType.COMMIT_TRANSACTION, EMPTY, this.descriptor);
        this.depth = Math.max(0, this.depth - 1);
        if (this.depth === 0) this.clear();
        break;
      case 'rollback':
        if (name !== '' && this.savepoints.has(name.toLowerCase())) break; // ROLLBACK TRAN savepoint
        if (this.depth > 0) writeBinaryEnvChange(w, EnvChangeType.ROLLBACK_TRANSACTION, EMPTY, this.descriptor);
        this.clear();
        break;
      case 'save':
        if (name !== '') this.savepoints.add(name.toLowerCase());
        break;
    }
  }

  /** A boundary the engine crossed while running T-SQL (BEGIN/COMMIT/ROLLBACK TRAN, XACT_ABORT). */
  applyEngineEvent(w: ByteWriter, event: TransactionEvent): void {
    if (event === 'begin') {
      if (this.depth > 0) return;
      this.depth = 1;
      this.descriptor = Buffer.alloc(8);
      this.descriptor.writeBigUInt64LE(this.nextId++);
      writeBinaryEnvChange(w, EnvChangeType.BEGIN_TRANSACTION, this.descriptor, EMPTY);
      return;
    }
    if (this.depth === 0) return;
    const type = event === 'commit' ? EnvChangeType.COMMIT_TRANSACTION : EnvChangeType.ROLLBACK_TRANSACTION;
    writeBinaryEnvChange(w, type, EMPTY, this.descriptor);
    this.clear();
  }

  /** RESETCONNECTION: the session's transaction is gone. */
  reset(): void {
    this.clear();
  }

  private clear(): void {
    this.depth = 0;
    this.descriptor = EMPTY;
    this.savepoints.clear();
  }
}
