import type { BackupOption, Expr } from '../../../../emulator/sql/ast';
import type { SqlValue } from '../../../../emulator/tds/types';
import { OptionError, readBackupOptions, readRestoreOptions } from '../../../../emulator/backup/options';

const lit = (value: SqlValue): Expr => ({ kind: 'literal', value });
const evaluate = (e: Expr): SqlValue => (e.kind === 'literal' ? e.value : null);
const opt = (name: string, value?: SqlValue): BackupOption => (value === undefined ? { name } : { name, value: lit(value) });

function errorOf(f: () => unknown): number | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof OptionError) return e.sqlMessage.number;
    throw e;
  }
  return undefined;
}

describe('BACKUP options', () => {
  it('reads flags and values', () => {
    const s = readBackupOptions([opt('COPY_ONLY'), opt('COMPRESSION'), opt('CHECKSUM'), opt('FORMAT'), opt('STATS', 5), opt('NAME', 'n'), opt('MAXTRANSFERSIZE', 4194304)], evaluate);
    expect(s).toMatchObject({ copyOnly: true, compression: true, checksum: true, format: true, stats: 5, name: 'n', differential: false });
  });

  it('defaults STATS to 10 and refuses values outside 1..100 (3250)', () => {
    expect(readBackupOptions([opt('STATS')], evaluate).stats).toBe(10);
    expect(errorOf(() => readBackupOptions([opt('STATS', 101)], evaluate))).toBe(3250);
  });

  it('refuses conflicting options (3031) and unknown ones (155)', () => {
    expect(errorOf(() => readBackupOptions([opt('COMPRESSION'), opt('NO_COMPRESSION')], evaluate))).toBe(3031);
    expect(errorOf(() => readBackupOptions([opt('DIFFERENTIAL'), opt('COPY_ONLY')], evaluate))).toBe(3031);
    expect(errorOf(() => readBackupOptions([opt('BOGUS')], evaluate))).toBe(155);
  });
});

describe('RESTORE options', () => {
  it('reads MOVE, REPLACE, NORECOVERY, FILE and remembers what was written', () => {
    const s = readRestoreOptions(
      [{ name: 'MOVE', move: { logicalName: lit('data_0'), physicalName: lit('C:\\d.mdf') } }, opt('REPLACE'), opt('NORECOVERY'), opt('FILE', 1), opt('STATS', 25)],
      evaluate,
    );
    expect(s).toMatchObject({ recovery: false, replace: true, file: 1, stats: 25, moves: [{ logicalName: 'data_0', physicalName: 'C:\\d.mdf' }] });
    expect(s.written).toEqual(['MOVE', 'REPLACE', 'NORECOVERY', 'FILE', 'STATS']);
  });

  it('recovers by default and refuses RECOVERY with NORECOVERY (3031)', () => {
    expect(readRestoreOptions([], evaluate).recovery).toBe(true);
    expect(errorOf(() => readRestoreOptions([opt('RECOVERY'), opt('NORECOVERY')], evaluate))).toBe(3031);
    expect(errorOf(() => readRestoreOptions([opt('FORMAT')], evaluate))).toBe(155);
  });
});
