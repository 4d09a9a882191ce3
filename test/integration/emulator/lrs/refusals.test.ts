// What LRS refuses when it is started (SAS permissions, reserved folder words, an existing
// database), what makes a started LRS fail (no access for the managed identity, a backup from a
// newer version), and that the SAS never comes back in any ARM response body.
import { ArmError } from '../../../../shared/arm/errors';
import { LRS_CONTAINER, pause, startLrsWorld, stateOf, until, type Answer, type LrsWorld } from './lrsWorld';

jest.setTimeout(60_000);

let world: LrsWorld;
const V = '?api-version=2025-01-01';

beforeAll(async () => {
  world = await startLrsWorld();
});

afterAll(async () => {
  await world?.stop();
});

function putBody(folderUri: string, sas: string, extra: Record<string, unknown> = {}): unknown {
  return {
    location: 'westeurope',
    properties: { createMode: 'RestoreExternalBackup', storageContainerUri: folderUri, storageContainerIdentity: 'SharedAccessSignature', storageContainerSasToken: sas, ...extra },
  };
}

const sigOf = (sas: string): string => new URLSearchParams(sas).get('sig') ?? '';

async function deleted(database: string): Promise<void> {
  const r = await world.call('DELETE', `${world.databasePath(database)}${V}`);
  expect([202, 204]).toContain(r.status);
  // the delete takes its simulated time (it no longer completes because it is polled twice)
  if (r.status === 202) {
    await until('the delete to finish', async () => ((await world.call('GET', r.headers['azure-asyncoperation'] as string)).json as { status: string }).status !== 'InProgress' || undefined);
  }
  expect(await stateOf(world, database)).toBeUndefined();
}

describe('refused at start', () => {
  it('a SAS with anything but exactly Read + List: 400, nothing created, the SAS not echoed', async () => {
    for (const permissions of ['rwl', 'r', 'rld', 'racwdl']) {
      const sas = world.sas(permissions);
      const r = await world.call('PUT', `${world.databasePath('SasDb')}${V}`, putBody(`${world.containerUrl}/Sas`, sas));
      expect(r).toMatchObject({ status: 400, json: { error: { code: 'InvalidParameterValue', message: expect.stringMatching(/Read and List/) } } });
      expect(r.text).not.toContain(sigOf(sas));
      expect(r.text).not.toMatch(/sig=|se=|sv=/);
    }
    expect(await stateOf(world, 'SasDb')).toBeUndefined();
    // the order of the letters does not matter (the signature no longer does either: storage refuses it later)
    const reordered = world.sas('rl').replace('sp=rl', 'sp=lr');
    const ok = await world.call('PUT', `${world.databasePath('SasDb')}${V}`, putBody(`${world.containerUrl}/Sas`, reordered));
    expect(ok.status).toBe(201);
    expect(ok.text).not.toContain(sigOf(reordered));
    const failed = await world.detailsUntil('SasDb', (d) => d.status === 'Failed');
    expect(failed.blockReason).toBe(`Cannot open backup device '${world.containerUrl}/Sas'. Operating system error 86(The specified network password is not correct.).`);
    await deleted('SasDb');
  });

  it('a folder path with the word backup or backups: 400 in plain words; a word that only contains it is fine', async () => {
    for (const folder of [`${LRS_CONTAINER}/Sales-backups`, `${LRS_CONTAINER}/BACKUP`, `${LRS_CONTAINER}/x/backup_2024`, 'backups/Sales']) {
      const r = await world.call('PUT', `${world.databasePath('FolderDb')}${V}`, putBody(`${world.azurite.blobEndpoint}/${folder}`, world.sas()));
      expect(r).toMatchObject({ status: 400, json: { error: { code: 'InvalidParameterValue', message: expect.stringContaining("reserved word 'backup' or 'backups'") } } });
    }
    expect(await stateOf(world, 'FolderDb')).toBeUndefined();
    const fine = await world.call('PUT', `${world.databasePath('FolderDb')}${V}`, putBody(`${world.containerUrl}/mybackupfolder`, world.sas()));
    expect(fine.status).toBe(201);
    await deleted('FolderDb');
  });

  it('a database that already exists: 409', async () => {
    const r = await world.call('PUT', `${world.databasePath('Billing')}${V}`, putBody(`${world.containerUrl}/Billing`, world.sas()));
    expect(r).toMatchObject({ status: 409, json: { error: { code: 'DatabaseAlreadyExists' } } });
  });
});

describe('failing after the start', () => {
  it('the managed identity without a role on the storage: Failed, access denied; with one it restores', async () => {
    const [full] = await world.backup('sql-onprem', 'Crm', 'full');
    await world.place('Crm', 'Crm_full.bak', full);
    await world.finish(await world.startLrs('CrmNoRole', 'Crm', { identity: 'managedIdentity', lastBackupName: 'Crm_full.bak' }));
    const failed = await world.detailsUntil('CrmNoRole', (d) => d.status === 'Failed');
    expect(failed.blockReason).toBe(`Cannot open backup device '${world.containerUrl}/Crm'. Operating system error 5(Access is denied.).`);
    // the database stays until it is deleted, as in Azure
    expect(await stateOf(world, 'CrmNoRole')).toBe('RESTORING');
    await deleted('CrmNoRole');

    world.mi.grantIdentity(world.containerUrl, world.sas('rl'));
    await world.finish(await world.startLrs('CrmRole', 'Crm', { identity: 'managedIdentity', lastBackupName: 'Crm_full.bak' }));
    expect(await world.detailsUntil('CrmRole', (d) => d.status === 'Completed')).toMatchObject({ numberOfFilesRestored: 1, lastRestoredFileName: 'Crm_full.bak' });
    expect(await stateOf(world, 'CrmRole')).toBe('ONLINE');
  });

  it('a backup from a newer version (SQL Server 2025): Failed with SQL Server 3169 text; completeRestore fails with it', async () => {
    const [full] = await world.backup('sql-2025', 'Future', 'full');
    const [log] = await world.backup('sql-2025', 'Future', 'log');
    await world.place('Future', 'Future_full.bak', full);
    await world.place('Future', 'Future_log.log', log);
    await world.finish(await world.startLrs('FutureLrs', 'Future'));
    const failed = await world.detailsUntil('FutureLrs', (d) => d.status === 'Failed');
    expect(failed.blockReason).toBe(
      'The database was backed up on a server running version 17.00.1000. That version is incompatible with this server, which is running version 16.00.4135. Either restore the database on a server that supports the backup, or use a backup that is compatible with this server.',
    );
    expect(failed).toMatchObject({ numberOfFilesRestored: 0, numberOfFilesUnrestorable: 1, numberOfFilesQueued: 1, unrestorableFiles: ['Future_full.bak'] });
    expect(failed.fullBackupSets.map((s) => s.status)).toEqual(['Failed']);
    expect(await stateOf(world, 'FutureLrs')).toBe('RESTORING');
    expect(await world.client.getManagedDatabase('rg-lrs', 'mi-prod', 'FutureLrs')).toMatchObject({ status: 'Restoring' });

    const r = await world.finish(await world.client.startCompleteRestore('rg-lrs', 'mi-prod', 'FutureLrs', 'Future_log.log'));
    expect(r.error).toBeInstanceOf(ArmError);
    expect(r.error).toMatchObject({ armCode: 'LogReplayFailed', message: `${failed.blockReason} (ARM LogReplayFailed)` });
    // nothing more happens: no restore history, still restoring
    await pause(300);
    expect((await world.details('FutureLrs')).status).toBe('Failed');
    expect(world.mi.restoreHistory.filter((h) => h.destinationDatabaseName === 'FutureLrs')).toEqual([]);
    await deleted('FutureLrs');
  });
});

describe('the SAS', () => {
  it('never appears in any ARM response body of an LRS from start to completion', async () => {
    const sas = world.sas('rl');
    const secrets = [sas, sigOf(sas), encodeURIComponent(sigOf(sas))];
    const answers: Answer[] = [];
    const call = async (method: string, pathOrUrl: string, body?: unknown): Promise<Answer> => {
      const a = await world.call(method, pathOrUrl, body);
      answers.push(a);
      return a;
    };
    const pollAll = async (a: Answer): Promise<void> => {
      const asyncUrl = a.headers['azure-asyncoperation'] as string;
      for (let i = 0; i < 300; i++) {
        const s = await call('GET', asyncUrl);
        if ((s.json as { status: string }).status !== 'InProgress') break;
        await pause(20);
      }
      await call('GET', a.headers.location as string);
    };
    const [full] = await world.backup('sql-onprem', 'Hr', 'full');
    const [log] = await world.backup('sql-onprem', 'Hr', 'log');
    await world.place('HrSas', 'Hr_full.bak', full);
    const db = world.databasePath('HrSas');
    const put = await call('PUT', `${db}${V}`, putBody(`${world.containerUrl}/HrSas`, sas));
    expect(put.status).toBe(201);
    await pollAll(put);
    await call('GET', `${db}${V}`);
    await call('GET', `${db}/restoreDetails/Default${V}`);
    await world.detailsUntil('HrSas', (d) => d.numberOfFilesRestored === 1);
    await world.place('HrSas', 'Hr_log.log', log);
    const complete = await call('POST', `${db}/completeRestore${V}`, { lastBackupName: 'Hr_log.log' });
    expect(complete.status).toBe(202);
    await call('GET', `${db}/restoreDetails/Default${V}`);
    await pollAll(complete);
    const details = await call('GET', `${db}/restoreDetails/Default${V}`);
    expect(details.json).toMatchObject({ properties: { status: 'Completed', lastRestoredFileName: 'Hr_log.log' } });
    await call('GET', `${world.databasePath('')}${V}`.replace('/databases/?', '/databases?'));
    await call('GET', `/subscriptions/${db.split('/')[2]}/providers/Microsoft.Sql/managedInstances${V}`);
    expect(answers.length).toBeGreaterThan(8);
    for (const a of answers) {
      for (const secret of secrets) expect(a.text).not.toContain(secret);
      expect(a.text).not.toMatch(/storageContainerSasToken|sig=/);
    }
  });
});
