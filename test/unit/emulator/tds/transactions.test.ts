import { ByteWriter } from '../../../../emulator/tds/byteWriter';
import { TransactionTracker } from '../../../../emulator/tds/transactions';

/** The ENVCHANGE types a step wrote (0xE3, length, type, ...). */
function envTypes(step: (w: ByteWriter) => void): number[] {
  const w = new ByteWriter();
  step(w);
  const b = w.toBuffer();
  const types: number[] = [];
  for (let i = 0; i < b.length; ) {
    expect(b[i]).toBe(0xe3);
    types.push(b[i + 3]);
    i += 3 + b.readUInt16LE(i + 1);
  }
  return types;
}

describe('TransactionTracker', () => {
  it('announces only the outermost begin and commit of nested TM transactions', () => {
    const t = new TransactionTracker();
    expect(envTypes((w) => t.apply(w, 'begin', ''))).toEqual([8]);
    expect(envTypes((w) => t.apply(w, 'begin', ''))).toEqual([]);
    expect(envTypes((w) => t.apply(w, 'commit', ''))).toEqual([]);
    expect(t.active).toBe(true);
    expect(envTypes((w) => t.apply(w, 'commit', ''))).toEqual([9]);
    expect(t.active).toBe(false);
  });

  it('rolls back to a savepoint without ending the transaction', () => {
    const t = new TransactionTracker();
    envTypes((w) => t.apply(w, 'begin', 'outer'));
    expect(envTypes((w) => t.apply(w, 'save', 'sp1'))).toEqual([]);
    expect(envTypes((w) => t.apply(w, 'rollback', 'SP1'))).toEqual([]);
    expect(t.active).toBe(true);
    expect(envTypes((w) => t.apply(w, 'rollback', ''))).toEqual([10]);
    expect(t.active).toBe(false);
  });

  it('quotes the same descriptor in begin and commit, a new one per transaction', () => {
    const t = new TransactionTracker();
    const begin1 = new ByteWriter();
    t.apply(begin1, 'begin', '');
    const commit1 = new ByteWriter();
    t.apply(commit1, 'commit', '');
    const begin2 = new ByteWriter();
    t.apply(begin2, 'begin', '');
    const d1 = begin1.toBuffer().subarray(5, 13);
    expect(commit1.toBuffer().subarray(6, 14)).toEqual(d1);
    expect(begin2.toBuffer().subarray(5, 13)).not.toEqual(d1);
  });

  it('follows engine-reported boundaries, ignoring duplicates', () => {
    const t = new TransactionTracker();
    expect(envTypes((w) => t.applyEngineEvent(w, 'begin'))).toEqual([8]);
    expect(envTypes((w) => t.applyEngineEvent(w, 'begin'))).toEqual([]);
    expect(envTypes((w) => t.applyEngineEvent(w, 'rollback'))).toEqual([10]);
    expect(envTypes((w) => t.applyEngineEvent(w, 'commit'))).toEqual([]);
  });
});
