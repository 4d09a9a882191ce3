// Every published example (copied from ../shared/reference/arm into test/fixtures/reference/arm)
// goes through shared/arm's parsers.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  parseDistributedAvailabilityGroup,
  parseEncryptionProtector,
  parseList,
  parseManagedDatabase,
  parseManagedInstance,
  parseOperationStatus,
  parseRestoreDetails,
} from '../../../shared/arm/parse';

const FIXTURES = path.join(__dirname, '../../fixtures/reference/arm');

type Json = Record<string, unknown>;

function load(file: string): Json {
  return JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as Json;
}

/** the non-empty response bodies of an example, by status code */
function bodies(example: Json): Array<[string, unknown]> {
  const responses = example.responses as Record<string, { body?: unknown; headers?: Record<string, string> }>;
  return Object.entries(responses)
    .filter(([, r]) => r.body !== undefined && Object.keys(r.body as object).length > 0)
    .map(([code, r]) => [code, r.body]);
}

if (!existsSync(FIXTURES)) {
  throw new Error(`ARM fixtures not found at ${FIXTURES}: copy the published examples from ../shared/reference/arm`);
}
const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();

describe('published ARM examples parse', () => {
  it('finds the examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  const handled = new Set<string>();

  for (const file of files.filter((f) => f.startsWith('DistributedAvailabilityGroups'))) {
    handled.add(file);
    it(`${file}: every response body is a distributed availability group (or a list of them)`, () => {
      const example = load(file);
      const all = bodies(example);
      expect(all.length).toBeGreaterThan(0);
      for (const [, body] of all) {
        const links = (body as Json).value !== undefined ? parseList(body, parseDistributedAvailabilityGroup).items : [parseDistributedAvailabilityGroup(body)];
        expect(links.length).toBeGreaterThan(0);
        for (const link of links) {
          expect(link.id).toMatch(/\/distributedAvailabilityGroups\//);
          for (const db of link.databases) {
            expect(db.databaseName.length).toBeGreaterThan(0);
            // LSNs stay exact decimal strings
            for (const lsn of [db.lastHardenedLsn, db.lastReceivedLsn, db.lastCommitLsn, db.lastSentLsn, db.lastBackupLsn]) if (lsn !== undefined) expect(lsn).toMatch(/^\d+$/);
          }
        }
      }
      const accepted = (example.responses as Record<string, { headers?: Record<string, string> }>)['202'];
      if (accepted?.headers?.Location) expect(new URL(accepted.headers.Location).protocol).toBe('https:');
    });
  }

  it('DistributedAvailabilityGroupsGet_2026-11-01-preview.json: per-database lag, LSNs and roles', () => {
    const [[, body]] = bodies(load('DistributedAvailabilityGroupsGet_2026-11-01-preview.json'));
    const link = parseDistributedAvailabilityGroup(body);
    expect(link).toMatchObject({ name: 'dag', instanceLinkRole: 'Primary', partnerLinkRole: 'Secondary', replicationMode: 'Async', linkMode: 'SingleDatabase' });
    expect(link.databases[0]).toMatchObject({
      databaseName: 'testdb',
      lastHardenedLsn: '71000009408100001',
      replicaState: 'Seeding',
      seedingProgress: '80%',
      instanceSendReplicationLagSeconds: 1,
      instanceRedoReplicationLagSeconds: 1,
    });
    expect(BigInt(link.databases[0].lastHardenedLsn as string)).toBe(71000009408100001n);
    expect(link.databases[0].lastHardenedTime?.toISOString()).toBe('2026-08-01T00:00:00.000Z');
  });

  for (const file of files.filter((f) => f.startsWith('ManagedDatabaseRestoreDetails'))) {
    handled.add(file);
    it(`${file}: LRS restore details`, () => {
      const [[, body]] = bodies(load(file));
      const d = parseRestoreDetails(body);
      expect(d).toMatchObject({ type: 'LRSRestore', status: 'Restoring', percentCompleted: 53, numberOfFilesDetected: 25, unrestorableFiles: ['ImageFile.JPG'] });
      expect(d.logBackupSets).toHaveLength(10);
      expect(d.fullBackupSets[1].restoreFinishedTimestampUtc).toBeInstanceOf(Date);
    });
  }

  for (const file of files.filter((f) => /^ManagedDatabase(Create|Complete)/.test(f))) {
    handled.add(file);
    it(`${file}: managed database bodies and the 202`, () => {
      const example = load(file);
      for (const [, body] of bodies(example)) {
        const db = parseManagedDatabase(body);
        expect(db.status).toBe('Online');
        expect(db.creationDate).toBeInstanceOf(Date);
      }
      const params = (example.parameters as Json).parameters as Json;
      if (params.properties) expect((params.properties as Json).createMode).toBe('RestoreExternalBackup');
      else expect(typeof params.lastBackupName).toBe('string');
      expect(Object.keys(example.responses as Json)).toContain('202');
    });
  }

  for (const file of files.filter((f) => f.startsWith('ManagedInstanceEncryptionProtector'))) {
    handled.add(file);
    it(`${file}: the protector kind`, () => {
      const [[, body]] = bodies(load(file));
      expect(parseEncryptionProtector(body)).toMatchObject({ serverKeyType: 'AzureKeyVault', autoRotationEnabled: false });
    });
  }

  for (const file of files.filter((f) => f.startsWith('ManagedInstanceGet'))) {
    handled.add(file);
    it(`${file}: update policy and storage`, () => {
      const [[, body]] = bodies(load(file));
      expect(parseManagedInstance(body)).toMatchObject({ name: 'testinstance', resourceGroup: 'testrg', databaseFormat: 'SQLServer2022', storageSizeInGB: 1024, vCores: 8, skuName: 'GP_Gen5' });
    });
  }

  for (const file of files.filter((f) => f.startsWith('LRO-options_summary'))) {
    handled.add(file);
    it(`${file}: the parser reads every listed link field`, () => {
      const summary = load(file);
      const fieldName = (f: string): string => f.split(/[\s/([]/)[0];
      const dbFields = (summary.DistributedAvailabilityGroupDatabase_fields as string[]).flatMap((f) => {
        const base = fieldName(f);
        // "lastReceivedLsn/Time" names two fields
        return f.includes('Lsn/Time') ? [base, base.replace(/Lsn$/, 'Time')] : [base];
      });
      const value = (k: string): unknown =>
        k.endsWith('Lsn') ? '71000009408100001' : k.endsWith('Time') ? '2026-01-01T00:00:00Z' : k.endsWith('Seconds') ? 3 : k === 'partnerAuthCertValidity' ? { certificateName: 'c', expiryDate: '2027-01-01T00:00:00Z' } : 'x';
      const dbEntry = Object.fromEntries(dbFields.map((k) => [k, value(k)]));
      const propFields = (summary.DistributedAvailabilityGroupProperties_fields as string[]).map(fieldName).filter((k) => k !== 'databases');
      const props = Object.fromEntries(propFields.map((k) => [k, value(k)]));
      const link = parseDistributedAvailabilityGroup({ id: '/x/distributedAvailabilityGroups/d', name: 'd', properties: { ...props, databases: [dbEntry] } });
      for (const k of propFields) expect([k, (link as unknown as Json)[k]]).not.toEqual([k, undefined]);
      for (const k of dbFields) expect([k, (link.databases[0] as unknown as Json)[k]]).not.toEqual([k, undefined]);
      // every long-running operation the client starts is in the summary
      const ops = Object.keys(summary.operations as Json);
      for (const op of ['DistributedAvailabilityGroups_Failover', 'DistributedAvailabilityGroups_SetRole', 'ManagedDatabases_CreateOrUpdate', 'ManagedDatabases_CompleteRestore']) expect(ops).toContain(op);
    });
  }

  for (const file of files.filter((f) => f.startsWith('arm-async-operations'))) {
    handled.add(file);
    it(`${file}: operation status bodies`, () => {
      const doc = load(file);
      expect(parseOperationStatus(doc.vm_start_poll_body_inprogress)).toMatchObject({ status: 'InProgress', name: '9a062a88-e463-4697-bef2-fe039df73a02' });
      expect(parseOperationStatus(doc.vm_start_poll_body_inprogress).startTime).toBeInstanceOf(Date);
      expect(parseOperationStatus(doc.deployment_poll_body_running).status).toBe('Running');
      expect(parseOperationStatus(doc.deployment_poll_body_succeeded).status).toBe('Succeeded');
      expect(parseOperationStatus(doc.azure_asyncoperation_status_body_generic).status).toBe('{status-value}');
    });
  }

  it('every example file is covered by a parser test', () => {
    expect(files.filter((f) => !handled.has(f))).toEqual([]);
  });
});
