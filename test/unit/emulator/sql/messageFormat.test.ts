import { formatRaiserror, parseWaitforTime, statementText, parseBatch } from '../../../../emulator/sql/parser';
import { SqlError } from '../../../../emulator/sqlError';

describe('RAISERROR message formatting', () => {
  it.each([
    ['%s has %d files', ['SalesDb', 3], 'SalesDb has 3 files'],
    ['%5d|%-5d|%05d', [42, 42, 42], '   42|42   |00042'],
    ['%i%% done', [50], '50% done'],
    ['%x %X %#x %o %u', [255, 255, 255, 8, -1], 'ff FF 0xff 10 4294967295'],
    ['%.3s', ['abcdef'], 'abc'],
    ['%s and %s', ['one'], 'one and (null)'],
    ['%s', [null], '(null)'],
    ['%+d', [5], '+5'],
  ])('%s', (template, args, expected) => {
    expect(formatRaiserror(template, args)).toBe(expected);
  });
});

describe('WAITFOR time text', () => {
  it('reads hh:mm[:ss[.mmm]]', () => {
    expect(parseWaitforTime('00:00:01')).toBe(1000);
    expect(parseWaitforTime('00:00:00.250')).toBe(250);
    expect(parseWaitforTime('01:02')).toBe(3720000);
    expect(parseWaitforTime('00:00:00.5')).toBe(500);
  });

  it('refuses bad text with 148', () => {
    try {
      parseWaitforTime('5 seconds');
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(SqlError);
      expect((e as SqlError).number).toBe(148);
      expect((e as SqlError).message).toBe("Incorrect time syntax in time string '5 seconds' used with WAITFOR.");
    }
  });
});

describe('statement text', () => {
  it('keeps each statement source text', () => {
    const { statements } = parseBatch("SELECT 1;\nPRINT 'a; b'\nIF 1 = 1 SELECT 2");
    expect(statements.map((s) => statementText(s))).toEqual(['SELECT 1', "PRINT 'a; b'", 'IF 1 = 1 SELECT 2']);
  });
});
