import { join } from 'node:path';
import { ScaledClock } from '../../../../emulator/engine/clock';
import { buildInstances, EstateError, loadEstateFile, validateEstate } from '../../../../emulator/engine/estate';
import { advanceLsn, lsnHex, lsnParts } from '../../../../emulator/engine/lsn';
import { testEstate } from './fixtures';

describe('estate files', () => {
  it('loads the sample estate: SQL Server 2022, a managed instance and a non-prod SQL Server', () => {
    const estate = loadEstateFile(join(__dirname, '../../../../emulator/estate.sample.json'));
    const instances = buildInstances(estate);
    expect(instances.map((i) => [i.config.name, i.config.kind, i.product.major])).toEqual([
      ['sql-onprem', 'sqlServer', 16],
      ['mi-prod', 'managedInstance', 12],
      ['sql-dev', 'sqlServer', 16],
    ]);
    const sales = instances[0].findDatabase('Sales');
    expect(sales).toMatchObject({ databaseId: 5, recoveryModel: 'FULL' });
    expect(sales?.tables.length).toBeGreaterThan(1);
    expect(instances[1].config.updatePolicy).toBe('SQL Server 2022');
  });

  it('lists every problem with the field that has it', () => {
    const bad = {
      instances: [
        { name: 'ok-name', kind: 'sqlServer', logins: [{ name: 'sa', password: '' }], databases: [{ name: 'master' }, { name: 'X', recoveryModel: 'FAST', tables: [{ name: 'T', rows: -1 }] }] },
        { name: 'bad name', kind: 'oracle', majorVersion: 9, logins: [] },
      ],
    };
    let problems: string[] = [];
    try {
      validateEstate(bad);
    } catch (e) {
      expect(e).toBeInstanceOf(EstateError);
      problems = (e as EstateError).problems;
    }
    expect(problems).toEqual([
      'instances[0].logins[0].password must be a non-empty string (or entraObjectId for an Entra login)',
      "instances[0].databases[0].name 'master' already exists on this instance",
      'instances[0].databases[1].recoveryModel must be FULL, SIMPLE or BULK_LOGGED',
      'instances[0].databases[1].tables[0].rows must be an integer >= 0',
      "instances[1].name must be letters, digits and '-' (at most 63)",
      "instances[1].kind must be 'sqlServer' or 'managedInstance'",
      'instances[1].majorVersion must be one of 13, 14, 15, 16, 17',
      'instances[1].logins must be a non-empty array',
    ]);
  });
});

describe('log sequence numbers and the workload', () => {
  it('advances LSNs like the log: slots fill blocks, blocks fill VLFs', () => {
    const start = 37000000013600001n;
    expect(lsnParts(start)).toEqual({ vlf: 37n, block: 136n, slot: 1n });
    expect(advanceLsn(start, 1)).toBe(37000000013600002n);
    expect(lsnParts(advanceLsn(start, 40))).toEqual({ vlf: 37n, block: 137n, slot: 1n });
    expect(lsnHex(start)).toBe('00000025:00000088:0001');
  });

  it('a database with a workload moves its last LSN forward with the clock; an idle one does not', () => {
    const clock = new ScaledClock(1);
    const [inst] = buildInstances(testEstate(), clock);
    const sales = inst.findDatabase('Sales');
    const archive = inst.findDatabase('Archive');
    if (!sales || !archive) throw new Error('fixture');
    const salesBefore = sales.lastLsn;
    const archiveBefore = archive.lastLsn;
    clock.advance(10_000);
    inst.tickWorkload();
    expect(sales.lastLsn > salesBefore).toBe(true);
    expect(archive.lastLsn).toBe(archiveBefore);
    // 100 tps for 10 s = 1000 transactions of 4 records: 4000 slots = 100 blocks
    expect(lsnParts(sales.lastLsn).block - lsnParts(salesBefore).block).toBeGreaterThanOrEqual(100n);
  });
});
