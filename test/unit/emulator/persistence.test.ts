// The state file's encoding and checks, and what a restart does to a saved instance, without TDS:
// bigints and dates survive the round trip; a running Agent run becomes an abandoned one with no
// history; a managed instance's running restore is reported failed and its working database goes;
// ids go on; after a hard kill the workload's LSNs move past what was saved.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EngineArmBackend } from '../../../emulator/arm/engineBackend';
import { ScaledClock } from '../../../emulator/engine/clock';
import { buildInstances, type Estate } from '../../../emulator/engine/estate';
import { LinkRegistry } from '../../../emulator/link/registry';
import {
  captureInstance,
  checkSavedEstate,
  estateFileNames,
  fromJson,
  readStateFile,
  restoreInstance,
  STATE_FORMAT,
  STATE_VERSION,
  toJson,
  writeStateFile,
  type SavedEstate,
} from '../../../emulator/engine/persistence';

const estate: Estate = {
  instances: [
    { name: 'sql-a', kind: 'sqlServer', logins: [{ name: 'sa', password: 'Local-Only-1' }], databases: [{ name: 'Sales', workloadTps: 100 }] },
    { name: 'mi-a', kind: 'managedInstance', logins: [{ name: 'miadmin', password: 'Local-Only-1' }] },
  ],
};

function savedOf(instances: ReturnType<typeof buildInstances>, clean: boolean): SavedEstate {
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    savedAt: new Date(),
    clean,
    clock: { now: new Date(), speed: 1, intervalMs: 1000 },
    estateFile: estateFileNames(estate),
    instances: instances.map(captureInstance),
    links: [],
    sections: {},
  };
}

describe('the state file format', () => {
  it('round-trips bigints and dates, nested, and drops functions', () => {
    const value = { lsn: 37000000013600001n, at: new Date('2026-01-02T03:04:05.678Z'), list: [{ n: 1n }], f: () => 1, u: undefined, nan: Number.NaN };
    const json = toJson(value);
    expect(json).toEqual({ lsn: { $bigint: '37000000013600001' }, at: { $date: '2026-01-02T03:04:05.678Z' }, list: [{ n: { $bigint: '1' } }], nan: null });
    expect(fromJson(JSON.parse(JSON.stringify(json)))).toEqual({ lsn: 37000000013600001n, at: new Date('2026-01-02T03:04:05.678Z'), list: [{ n: 1n }], nan: null });
  });

  it('is written atomically, for the user only, and read back whole', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'state-')), 'deeper', 'state.json');
    const instances = buildInstances(estate);
    instances[0].credentials.push({ credentialId: 65536, name: 'http://x/c', identity: 'SHARED ACCESS SIGNATURE', secret: 'sv=secret', createDate: new Date() });
    writeStateFile(file, savedOf(instances, true));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const read = readStateFile(file);
    expect(read.problem).toBeUndefined();
    expect(read.state?.instances[0].databases[0]).toMatchObject({ name: 'Sales', lastLsn: instances[0].findDatabase('Sales')?.lastLsn });
    expect(read.state?.instances[0].credentials[0].secret).toBe('sv=secret');
    expect(readFileSync(file, 'utf8')).not.toMatch(/\.tmp/);
  });

  it('names the first problem of a file that does not hold a state', () => {
    expect(() => checkSavedEstate([])).toThrow('the state must be a JSON object');
    expect(() => checkSavedEstate({ format: 'x' })).toThrow(`format must be "${STATE_FORMAT}"`);
    const good = JSON.parse(JSON.stringify(toJson(savedOf(buildInstances(estate), true)))) as { instances: { databases: { state: string }[] }[] };
    good.instances[0].databases[0].state = 'SLEEPING';
    expect(() => checkSavedEstate(good)).toThrow('instances[0].databases[0].state is not a database state');
    expect(readStateFile(path.join(tmpdir(), 'no-such-state-file.json'))).toEqual({});
  });
});

describe('restoring a saved instance', () => {
  it('ends what was running as a restart ends it, and carries the ids on', () => {
    const [sql, mi] = buildInstances(estate);
    const job = { jobId: 'A1B2C3D4-0000-0000-0000-000000000001', name: 'restore x', enabled: true, description: '', deleteLevel: 0, steps: [], servers: ['(local)'], history: [], dateCreated: new Date(), running: { startedAt: new Date('2026-01-01T00:00:00Z'), sessionId: 60 } };
    sql.jobs.push(job);
    sql.nextJobHistoryId();
    sql.nextJobHistoryId();
    const working = mi.createDatabase('0f8fad5b-d9cb-469f-a165-70867728950e');
    working.state = 'RESTORING';
    const unregister = mi.registerRequest({ sessionId: 0, requestId: 0, command: 'RESTORE DATABASE', databaseName: working.name, startTime: new Date(), status: 'background', percentComplete: 40, estimatedCompletionTime: 1000 });
    mi.upsertOperationStatus({ operationId: 'op', operation: 'RESTORE DATABASE', majorResourceId: 'Target', state: 1, percentComplete: 50, errorCode: 0, errorDesc: '', startTime: new Date(), lastModifyTime: new Date() });
    const saved = savedOf([sql, mi], true);
    unregister();

    const [sql2, mi2] = buildInstances(estate);
    restoreInstance(sql2, saved.instances[0], saved.estateFile.instances[0], 0);
    restoreInstance(mi2, saved.instances[1], saved.estateFile.instances[1], 0);
    expect(sql2.jobs[0].running).toBeUndefined();
    expect(sql2.jobs[0].history).toEqual([]);
    expect(sql2.jobs[0].abandonedRuns).toEqual([{ agentSessionId: 1, startedAt: new Date('2026-01-01T00:00:00Z') }]);
    expect(sql2.agentSessions.map((s) => s.sessionId)).toEqual([1, 2]);
    expect(sql2.currentAgentSession()).toBe(2);
    expect(sql2.nextJobHistoryId()).toBe(3);
    expect(mi2.findDatabase(working.name)).toBeUndefined();
    expect(mi2.operations).toEqual([expect.objectContaining({ operationId: 'op', state: 3, errorCode: 3204, errorDesc: 'The backup or restore was aborted.' })]);
    // the restored objects are copies: the saved state is not shared
    expect(sql2.findDatabase('Sales')).not.toBe(sql.findDatabase('Sales'));
  });

  it('after a hard kill moves the workload LSNs on by what the lost time could have written; not after a clean stop', () => {
    const [sql] = buildInstances(estate);
    const saved = savedOf([sql], false);
    const lsn = sql.findDatabase('Sales')?.lastLsn ?? 0n;
    const [clean] = buildInstances(estate);
    restoreInstance(clean, saved.instances[0], saved.estateFile.instances[0], 0);
    expect(clean.findDatabase('Sales')?.lastLsn).toBe(lsn);
    const [killed] = buildInstances(estate);
    restoreInstance(killed, saved.instances[0], saved.estateFile.instances[0], 12_000);
    expect(killed.findDatabase('Sales')?.lastLsn ?? 0n).toBeGreaterThan(lsn);
  });
});

describe('the ARM backend in the state file', () => {
  it('keeps the encryption protectors set through ARM', () => {
    const clock = new ScaledClock();
    const instances = buildInstances(estate, clock);
    const sections = new Map<string, () => unknown>();
    const store = { section: (name: string, save: () => unknown): unknown => (sections.set(name, save), undefined) };
    const backend = new EngineArmBackend({ instances, links: new LinkRegistry(clock), persistence: store });
    backend.setEncryptionProtector('mi-a', { serverKeyType: 'AzureKeyVault', serverKeyName: 'vault_key_1', uri: 'https://vault.vault.azure.net/keys/key/1' });
    const saved = fromJson(JSON.parse(JSON.stringify(toJson(sections.get('arm')?.())))) as unknown;

    const again = new EngineArmBackend({ instances: buildInstances(estate, clock), links: new LinkRegistry(clock), persistence: { section: () => saved } });
    expect(again.encryptionProtector('mi-a')).toEqual({ serverKeyType: 'AzureKeyVault', serverKeyName: 'vault_key_1', uri: 'https://vault.vault.azure.net/keys/key/1' });
  });
});
