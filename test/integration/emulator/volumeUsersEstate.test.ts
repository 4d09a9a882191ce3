// The estate file's options for logins' SIDs, database users and a managed instance's storage:
// checked with messages that name the field, and built into the instances as declared.
import { buildInstances, validateEstate, type Estate } from '../../../emulator/engine/estate';

const base = (): Estate => ({
  instances: [
    {
      name: 'sql-a',
      kind: 'sqlServer',
      logins: [
        { name: 'sa', password: 'x' },
        { name: 'app', password: 'x' },
      ],
      databases: [{ name: 'Sales', users: [{ name: 'app' }] }],
    },
    { name: 'mi-a', kind: 'managedInstance', storageSizeGB: 96, logins: [{ name: 'miadmin', password: 'x' }, { name: 'aad', entraObjectId: '6f2a9d7e-0b1c-4d2e-9f3a-1b2c3d4e5f60' }] },
  ],
});

type Loose = Record<string, unknown>;
interface LooseInstance extends Loose {
  logins: Loose[];
  databases?: { users: Loose[] }[];
}

const problems = (mutate: (e: { instances: LooseInstance[] }) => void): string => {
  const e = JSON.parse(JSON.stringify(base())) as { instances: LooseInstance[] };
  mutate(e);
  try {
    validateEstate(e);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
};

describe('estate file: logins, users, storage', () => {
  it('accepts the documented shapes', () => {
    expect(problems(() => undefined)).toBe('');
  });

  it('names the field that is wrong', () => {
    expect(problems((e) => (e.instances[0].logins[1].sid = '0x12'))).toContain("instances[0].logins[1].sid must be '0x' and 32 hex digits");
    expect(
      problems((e) => {
        const logins = e.instances[0].logins;
        logins[0].sid = '0x00112233445566778899AABBCCDDEEFF';
        logins[1].sid = '0x00112233445566778899aabbccddeeff';
      }),
    ).toContain('instances[0].logins[1].sid is the SID of logins[0] too');
    const users = (e: LooseInstance[]): Loose[] => e[0].databases?.[0].users ?? [];
    expect(problems((e) => users(e.instances).push({ name: 'ghost' }))).toContain("instances[0].databases[0].users[1] is for login 'ghost', which is not among the instance's logins");
    expect(problems((e) => users(e.instances).push({ name: 'dbo' }))).toContain("instances[0].databases[0].users[1].name 'dbo' is a principal every database has");
    expect(problems((e) => users(e.instances).push({ name: 'app2', login: 'app' }))).toContain("users[1] is for login 'app' as instances[0].databases[0].users[0] is");
    expect(problems((e) => users(e.instances).push({ name: 'x', sid: '0x01', login: 'app' }))).toContain('sets both login and sid');
    expect(problems((e) => (e.instances[0].storageSizeGB = 64))).toContain('instances[0].storageSizeGB applies to managed instances only');
    expect(problems((e) => (e.instances[1].storageSizeGB = 100))).toContain('instances[1].storageSizeGB must be a multiple of 32');
    expect(problems((e) => (e.instances[1].freeSpaceGB = 10))).toContain('instances[1] sets both freeSpaceGB and storageSizeGB');
  });

  it('builds the users with their logins\u2019 SIDs, stable SIDs per instance, and the reserved storage as the volume', () => {
    const [a, again] = [buildInstances(validateEstate(base()))[0], buildInstances(validateEstate(base()))[0]];
    const sales = a.findDatabase('Sales');
    expect(sales?.users?.map((u) => ({ name: u.name, principalId: u.principalId, type: u.type, sid: u.sid }))).toEqual([
      { name: 'app', principalId: 5, type: 'S', sid: a.findLogin('app')?.sid },
    ]);
    expect(a.findLogin('app')?.sid).toBe(again.findLogin('app')?.sid);
    expect(a.findLogin('sa')).toMatchObject({ sid: '01', principalId: 1 });
    const mi = buildInstances(validateEstate(base()))[1];
    // an Entra login's SID is its object id as uniqueidentifier bytes
    expect(mi.findLogin('aad')?.sid).toBe('7E9D2A6F1C0B2E4D9F3A1B2C3D4E5F60');
    expect(mi.volumeTotalBytes()).toBe(96 * 1024 ** 3);
    expect(mi.config.freeSpaceBytes).toBe(96 * 1024 ** 3 - mi.usedBytes());
  });
});
