import { headerFrom } from '../../../shared/restore/inspect';
import { headerOnlyExact } from '../../../shared/restore/headerQuery';

const row = (lsn: unknown) => ({ BackupType: 1, DatabaseName: 'Sales', FirstLSN: lsn, LastLSN: lsn, CheckpointLSN: lsn, DatabaseBackupLSN: 0, BackupSetGUID: 'ABC', SoftwareVersionMajor: 16 });

test('LSNs as text are exact; as numbers beyond 2^53 they are marked approximate', () => {
  const exact = headerFrom([row('37000000012345600001')]);
  expect(exact.firstLsn).toBe(37000000012345600001n);
  expect(exact.lsnApproximate).toBeUndefined();
  const rounded = headerFrom([row(37000000012345600001)]);
  expect(rounded.lsnApproximate).toBe(true);
  expect(headerFrom([row(123456)]).lsnApproximate).toBeUndefined();
});

test('the exact header query binds the URL and casts every LSN column to text', () => {
  const { text, params } = headerOnlyExact("https://a/b/it's.bak").parameterized();
  expect(params).toEqual([{ name: 'url', type: 'nvarchar', value: "https://a/b/it's.bak" }]);
  expect(text).toContain("INSERT INTO @h EXEC sp_executesql N'RESTORE HEADERONLY FROM URL = @u', N'@u nvarchar(max)', @u = @url;");
  for (const c of ['FirstLSN', 'LastLSN', 'CheckpointLSN', 'DatabaseBackupLSN', 'DifferentialBaseLSN']) expect(text).toContain(`CAST(${c} AS varchar(25)) AS ${c}`);
});
