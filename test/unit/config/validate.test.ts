import { readFileSync } from 'node:fs';
import path from 'node:path';
import { estateJsonSchema } from '../../../shared/config/exportSchema';
import { cronProblem, EstateProblem, EstateValidationError, validateEstate } from '../../../shared/config/validate';

const sample = (): Record<string, unknown> => JSON.parse(readFileSync(path.join(__dirname, '../../../estate.sample.json'), 'utf8'));

function problemsOf(input: unknown): EstateProblem[] {
  try {
    validateEstate(input, 'test');
  } catch (err) {
    if (err instanceof EstateValidationError) return err.problems;
    throw err;
  }
  throw new Error('the estate was accepted');
}

type Mutable = Record<string, unknown> & {
  instances: Record<string, unknown>[];
  restoreRules: Record<string, unknown>[];
  refreshJobs: Record<string, unknown>[];
  links: Record<string, unknown>[];
  alertRoutes: Record<string, unknown>[];
  backupContainers: Record<string, unknown>[];
};

function broken(mutate: (e: Mutable) => void): EstateProblem[] {
  const estate = sample() as Mutable;
  mutate(estate);
  return problemsOf(estate);
}

test('the sample estate is valid and gets its defaults', () => {
  const estate = validateEstate(sample());
  expect(estate.instances.map((i) => i.name)).toEqual(['sql-onprem', 'mi-prod', 'sql-dev']);
  expect(estate.restoreRules[0].stripeTimeoutMinutes).toBe(120);
  expect(estate.links[0].health.samplesToChange).toBe(3);
  expect(estate.links[0].failover.approvalTimeoutMinutes).toBe(30);
  // the sample shortens the cooldown so that a drill can go back at once
  expect(estate.links[0].failover.cooldownMinutes).toBe(1);
});

test('a rule naming an unknown instance', () => {
  expect(broken((e) => ((e.restoreRules[0].target as Record<string, unknown>).instance = 'sql-qa'))).toEqual([
    { path: '$.restoreRules[0].target.instance', message: 'unknown instance "sql-qa"; known instances: sql-onprem, mi-prod, sql-dev' },
  ]);
});

test('duplicate names', () => {
  expect(broken((e) => e.instances.push({ ...e.instances[0], name: 'SQL-ONPREM' }))).toEqual([
    { path: '$.instances[3].name', message: 'duplicate name "SQL-ONPREM" (also $.instances[0])' },
  ]);
});

test('an invalid cron expression, and a five-field one', () => {
  expect(broken((e) => (e.refreshJobs[0].schedule = '0 0 25 * * *'))[0]).toMatchObject({ path: '$.refreshJobs[0].schedule', message: expect.stringContaining('not a valid schedule') });
  expect(cronProblem('0 2 * * *')).toMatch(/has 5 fields; .* need 6/);
});

test('a wrong kind of instance in a link', () => {
  expect(broken((e) => ((e.links[0].managedInstance as Record<string, unknown>).instance = 'sql-dev'))).toEqual([
    { path: '$.links[0].managedInstance.instance', message: 'instance "sql-dev" is a SQL Server; this needs a managed instance' },
  ]);
});

test('a password written into the file is refused with a hint', () => {
  const problems = broken((e) => ((e.instances[0].auth as Record<string, unknown>).password = 'P@ssw0rd'));
  expect(problems).toEqual([
    { path: '$.instances[0].auth.password', message: expect.stringContaining('secrets never go in the estate file') },
  ]);
  expect(JSON.stringify(problems)).not.toContain('P@ssw0rd');
});

test('a managed instance without its ARM resource id, and a malformed one', () => {
  expect(broken((e) => delete e.instances[1].armResourceId)[0].path).toBe('$.instances[1].armResourceId');
  expect(broken((e) => (e.instances[1].armResourceId = '/subscriptions/x/mi-prod'))[0].message).toMatch(/is not a managed instance resource id/);
});

test('a path pattern with an unknown capture, and a template using a capture the pattern lacks', () => {
  expect(broken((e) => (e.restoreRules[0].pathPattern = '{server}/{db}.bak'))).toEqual([
    { path: '$.restoreRules[0].pathPattern', message: 'unknown capture {db}; use {server}, {database}, {type}, {stripe}, {stripes}, {timestamp}' },
  ]);
  expect(broken((e) => (e.restoreRules[0].pathPattern = 'full/{server}_{stripe}of{stripes}.bak'))).toEqual([
    { path: '$.restoreRules[0].target.database', message: 'the name template uses {database}, which the path pattern does not capture' },
  ]);
});

test('wrong types, enums and missing fields are reported by the schema', () => {
  const problems = broken((e) => {
    e.instances[2].kind = 'postgres';
    (e.instances[2].endpoint as Record<string, unknown>).port = 70000;
    delete e.restoreRules[0].container;
    e.restoreRules[0].onExisting = 'overwrite';
  });
  expect(problems.map((p) => p.path)).toEqual([
    '$.instances[2].endpoint.port',
    '$.instances[2].kind',
    '$.restoreRules[0].container',
    '$.restoreRules[0].onExisting',
  ]);
  expect(problems[1].message).toMatch(/sqlServer.*managedInstance/);
});

test('a refresh that would overwrite production or its own source', () => {
  const problems = broken((e) => {
    e.refreshJobs[0].target = { instance: 'sql-onprem', database: 'Sales' };
    e.refreshJobs.push({ ...e.refreshJobs[0], name: 'self', source: { instance: 'sql-dev', database: 'A' }, target: { instance: 'sql-dev', database: 'a' } });
  });
  expect(problems).toEqual([
    { path: '$.refreshJobs[0].target.instance', message: 'a refresh overwrites its target, and "sql-onprem" is marked production' },
    { path: '$.refreshJobs[1].target', message: 'the target is the source database itself' },
  ]);
});

test('routes: a failover route without a link, and unknown references', () => {
  const problems = broken((e) => {
    delete e.alertRoutes[1].link;
    e.restoreRules[0].notify = ['nobody'];
    e.refreshJobs[0].container = 'archive';
  });
  expect(problems).toEqual([
    { path: '$.alertRoutes[1].link', message: 'a failover route must name the link it acts on' },
    { path: '$.refreshJobs[0].container', message: 'unknown backup container "archive"' },
    { path: '$.restoreRules[0].notify[0]', message: 'unknown alert route "nobody"' },
  ]);
});

test('every problem is reported at once, not only the first', () => {
  const problems = broken((e) => {
    e.instances[0].kind = 'oracle';
    e.refreshJobs[0].schedule = 'every night';
    (e.restoreRules[0].target as Record<string, unknown>).instance = 'ghost';
    e.links[0].typo = true;
  });
  expect(problems.map((p) => p.path)).toEqual(['$.instances[0].kind', '$.links[0].typo', '$.refreshJobs[0].schedule', '$.restoreRules[0].target.instance']);
  try {
    validateEstate({ ...sample(), instances: 'none' }, 'file estate.json');
  } catch (err) {
    expect((err as Error).message).toMatch(/^estate configuration from file estate.json has \d+ problems?:\n  \$\.instances: /);
  }
});

test('estate.schema.json is up to date with the zod schema (run `npm run schema`)', () => {
  const committed = JSON.parse(readFileSync(path.join(__dirname, '../../../estate.schema.json'), 'utf8'));
  expect(committed).toEqual(estateJsonSchema());
});

test('the Log Replay staging container: a default, and names the service or storage would refuse', () => {
  expect(validateEstate(sample()).backupContainers[0].logReplayContainer).toBe('mi-autopilot-lrs');
  expect(broken((e) => (e.backupContainers[0].logReplayContainer = 'sql-backups'))).toEqual([
    { path: '$.backupContainers[0].logReplayContainer', message: expect.stringContaining('refuses folders named with the word "backup"') },
  ]);
  expect(broken((e) => (e.backupContainers[0].logReplayContainer = 'LRS_Staging'))[0]).toMatchObject({ path: '$.backupContainers[0].logReplayContainer', message: expect.stringContaining('container name') });
  expect(validateEstate({ ...sample(), backupContainers: [{ ...(sample().backupContainers as object[])[0], logReplayContainer: 'backupless-not' }] }).backupContainers[0].logReplayContainer).toBe('backupless-not');
});
