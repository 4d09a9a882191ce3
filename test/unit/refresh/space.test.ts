// Room for the staging copy beside the live one: the data and log files on the volumes the target's
// default folders are on; on Linux (no volume names) the volume with the least room counts.
import { spaceVerdict } from '../../../shared/refresh/space';

const GiB = 1024 ** 3;

test('one Windows volume: data and log together must fit', () => {
  const need = { dataBytes: 8 * GiB, logBytes: 2 * GiB, dataPath: 'D:\\MSSQL\\DATA\\', logPath: 'D:\\MSSQL\\LOG\\' };
  expect(spaceVerdict('sql-dev', need, [{ mount: 'D:\\', freeBytes: 12 * GiB }]).ok).toBe(true);
  const short = spaceVerdict('sql-dev', need, [{ mount: 'D:\\', freeBytes: 9 * GiB }]);
  expect(short).toEqual({ ok: false, message: expect.stringMatching(/^sql-dev has 9\.00 GiB free on D:\\ where 10\.00 GiB must go: the staging copy \(data 8\.00 GiB, log 2\.00 GiB\) is restored beside the live copy/) });
});

test('data and log on their own volumes are each checked against their own room', () => {
  const need = { dataBytes: 8 * GiB, logBytes: 2 * GiB, dataPath: 'D:\\Data\\', logPath: 'L:\\Log\\' };
  const volumes = [
    { mount: 'C:\\', freeBytes: 1 * GiB },
    { mount: 'D:\\', freeBytes: 9 * GiB },
    { mount: 'L:\\', freeBytes: 3 * GiB },
  ];
  expect(spaceVerdict('sql-dev', need, volumes).ok).toBe(true);
  const logShort = spaceVerdict('sql-dev', need, [volumes[1], { mount: 'L:\\', freeBytes: 1 * GiB }]);
  expect(logShort.ok).toBe(false);
  expect(logShort.message).toMatch(/1\.00 GiB free on L:\\ where 2\.00 GiB must go/);
});

test('a mount point below a drive wins over the drive', () => {
  const need = { dataBytes: 5 * GiB, logBytes: 0, dataPath: 'E:\\Mounts\\Data\\SQL\\', logPath: 'E:\\Mounts\\Data\\SQL\\' };
  expect(spaceVerdict('x', need, [{ mount: 'E:\\', freeBytes: 100 * GiB }, { mount: 'E:\\Mounts\\Data\\', freeBytes: 4 * GiB }]).ok).toBe(false);
});

test('Linux: no volume names, so the volume with the least room counts', () => {
  const need = { dataBytes: 3 * GiB, logBytes: 1 * GiB, dataPath: '/var/opt/mssql/data/', logPath: '/var/opt/mssql/data/' };
  expect(spaceVerdict('sql-linux', need, [{ mount: null, freeBytes: 5 * GiB }]).ok).toBe(true);
  const short = spaceVerdict('sql-linux', need, [{ mount: null, freeBytes: 50 * GiB }, { mount: null, freeBytes: 3 * GiB }]);
  expect(short.message).toMatch(/^sql-linux has 3\.00 GiB free on its volume where 4\.00 GiB must go/);
});

test('no volume row: the check cannot tell and says so, and does not refuse', () => {
  const v = spaceVerdict('mi-dev', { dataBytes: GiB, logBytes: 0 }, []);
  expect(v).toEqual({ ok: true, message: expect.stringMatching(/free space on mi-dev could not be read/) });
});
