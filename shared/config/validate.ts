// Validates an estate file and reports every problem with its JSON path, not only the first:
// a DBA fixing a file at night should see the whole list at once.
import { CronExpressionParser } from 'cron-parser';
import type { z } from 'zod';
import { AppError } from '../errors';
import { compilePathPattern, isPatternProblem, templateReferences } from './pathPattern';
import { Estate, estateSchema } from './schema';
import { parseManagedInstanceId } from '../arm/resourceId';

export interface EstateProblem {
  /** JSON path, e.g. $.restoreRules[2].target.instance */
  path: string;
  message: string;
}

export class EstateValidationError extends AppError {
  constructor(readonly problems: EstateProblem[], source: string) {
    super(
      'ESTATE_INVALID',
      `estate configuration from ${source} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  ${p.path}: ${p.message}`).join('\n'),
      { details: { problems } },
    );
  }
}

export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '$';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(part)) out += `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

function zodProblems(error: z.ZodError): EstateProblem[] {
  const out: EstateProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const secretHint = /password|secret|key|sas/i.test(key)
          ? ': secrets never go in the estate file; name an app setting instead (e.g. passwordSetting)'
          : '';
        out.push({ path: jsonPath([...issue.path, key]), message: `unknown property "${key}"${secretHint}` });
      }
    } else if (issue.code === 'invalid_union' && issue.path.length > 0) {
      out.push({ path: jsonPath(issue.path), message: issue.message });
    } else {
      out.push({ path: jsonPath(issue.path), message: issue.message });
    }
  }
  return out;
}

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const items = (root: Raw, key: string): Raw[] => (Array.isArray(root[key]) ? (root[key] as unknown[]).map((x) => (isObject(x) ? x : {})) : []);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const child = (o: Raw, key: string): Raw => (isObject(o[key]) ? (o[key] as Raw) : {});

/** NCRONTAB as Azure Functions reads it: exactly six fields, seconds first. */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) {
    return `"${expression}" has ${fields.length} fields; Azure Functions schedules (NCRONTAB) need 6: second minute hour day month day-of-week, e.g. "0 0 2 * * *"`;
  }
  try {
    CronExpressionParser.parse(expression);
    return undefined;
  } catch (err) {
    return `"${expression}" is not a valid schedule: ${(err as Error).message}`;
  }
}

/** An IANA time zone name the runtime knows ("Europe/Berlin", "UTC"); Windows names and offsets are not. */
export function timeZoneProblem(timeZone: string): string | undefined {
  const hint = 'use an IANA time zone name, e.g. "Europe/Berlin", "America/New_York" or "UTC"';
  if (timeZone.trim() === '' || /^[+-]?\d/.test(timeZone.trim())) return `"${timeZone}" is not a time zone name; ${hint}`;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return undefined;
  } catch {
    return /\bStandard Time$/i.test(timeZone)
      ? `"${timeZone}" is a Windows time zone name; ${hint}`
      : `"${timeZone}" is not a known time zone; ${hint}`;
  }
}

/**
 * Checks what a schema cannot: names unique, references resolvable, kinds matching, patterns and
 * schedules valid. Works on the raw input, so it still reports when other parts are malformed.
 */
export function crossReferenceProblems(input: unknown): EstateProblem[] {
  if (!isObject(input)) return [];
  const problems: EstateProblem[] = [];
  const add = (path: PropertyKey[], message: string) => problems.push({ path: jsonPath(path), message });

  const collections = ['instances', 'backupContainers', 'restoreRules', 'refreshJobs', 'links', 'alertRoutes'] as const;
  for (const key of collections) {
    const seen = new Map<string, number>();
    items(input, key).forEach((item, i) => {
      const n = text(item.name);
      if (n === undefined) return;
      const lower = n.toLowerCase();
      if (seen.has(lower)) add([key, i, 'name'], `duplicate name "${n}" (also ${jsonPath([key, seen.get(lower) ?? 0])})`);
      else seen.set(lower, i);
    });
  }

  const instances = new Map<string, Raw>();
  for (const inst of items(input, 'instances')) {
    const n = text(inst.name);
    if (n) instances.set(n.toLowerCase(), inst);
  }
  const containers = new Set(items(input, 'backupContainers').map((c) => text(c.name)?.toLowerCase()).filter(Boolean));
  const routes = new Set(items(input, 'alertRoutes').map((r) => text(r.name)?.toLowerCase()).filter(Boolean));
  const links = new Set(items(input, 'links').map((l) => text(l.name)?.toLowerCase()).filter(Boolean));

  const instanceRef = (path: PropertyKey[], ref: unknown, wantKind?: 'sqlServer' | 'managedInstance'): Raw | undefined => {
    const n = text(ref);
    if (n === undefined) return undefined;
    const inst = instances.get(n.toLowerCase());
    if (!inst) {
      add(path, `unknown instance "${n}"; known instances: ${[...instances.values()].map((i) => text(i.name)).join(', ') || 'none'}`);
      return undefined;
    }
    if (wantKind && (inst.kind === 'sqlServer' || inst.kind === 'managedInstance') && inst.kind !== wantKind) {
      add(path, `instance "${n}" is a ${inst.kind === 'sqlServer' ? 'SQL Server' : 'managed instance'}; this needs a ${wantKind === 'sqlServer' ? 'SQL Server' : 'managed instance'}`);
    }
    return inst;
  };
  const notifyRefs = (path: PropertyKey[], list: unknown) => {
    if (!Array.isArray(list)) return;
    list.forEach((r, i) => {
      if (typeof r === 'string' && !routes.has(r.toLowerCase())) add([...path, i], `unknown alert route "${r}"`);
    });
  };

  items(input, 'instances').forEach((inst, i) => {
    const arm = text(inst.armResourceId);
    if (inst.kind === 'managedInstance' && !arm) {
      add(['instances', i, 'armResourceId'], 'a managed instance needs its ARM resource id (/subscriptions/…/resourceGroups/…/providers/Microsoft.Sql/managedInstances/NAME): links, LRS and portability checks go through ARM');
    }
    if (arm && !parseManagedInstanceId(arm)) {
      add(['instances', i, 'armResourceId'], `"${arm}" is not a managed instance resource id (/subscriptions/{id}/resourceGroups/{rg}/providers/Microsoft.Sql/managedInstances/{name})`);
    }
  });

  items(input, 'restoreRules').forEach((rule, i) => {
    const container = text(rule.container);
    if (container && !containers.has(container.toLowerCase())) add(['restoreRules', i, 'container'], `unknown backup container "${container}"`);
    const target = child(rule, 'target');
    const inst = instanceRef(['restoreRules', i, 'target', 'instance'], target.instance);
    if (inst && inst.environment === 'production' && rule.onExisting === 'replace') {
      add(['restoreRules', i, 'onExisting'], `"replace" would overwrite a database on production instance "${text(inst.name)}"; use "fail" or "swap"`);
    }
    const pattern = text(rule.pathPattern);
    if (pattern) {
      const compiled = compilePathPattern(pattern);
      if (isPatternProblem(compiled)) add(['restoreRules', i, 'pathPattern'], compiled.message);
      else {
        const db = text(target.database);
        for (const ref of db ? templateReferences(db) : []) {
          if (!(compiled.captures as string[]).includes(ref)) {
            add(['restoreRules', i, 'target', 'database'], `the name template uses {${ref}}, which the path pattern does not capture`);
          }
        }
        if (compiled.captures.includes('stripe') !== compiled.captures.includes('stripes')) {
          add(['restoreRules', i, 'pathPattern'], 'a striped pattern needs both {stripe} and {stripes} (e.g. "_{stripe}of{stripes}.bak")');
        }
      }
    }
    notifyRefs(['restoreRules', i, 'notify'], rule.notify);
  });

  items(input, 'refreshJobs').forEach((job, i) => {
    const schedule = text(job.schedule);
    if (schedule !== undefined) {
      const problem = cronProblem(schedule);
      if (problem) add(['refreshJobs', i, 'schedule'], problem);
    }
    const timeZone = text(job.timeZone);
    if (timeZone !== undefined) {
      const problem = timeZoneProblem(timeZone);
      if (problem) add(['refreshJobs', i, 'timeZone'], problem);
    }
    const source = child(job, 'source');
    const target = child(job, 'target');
    instanceRef(['refreshJobs', i, 'source', 'instance'], source.instance);
    const targetInst = instanceRef(['refreshJobs', i, 'target', 'instance'], target.instance);
    if (targetInst && targetInst.environment === 'production') {
      add(['refreshJobs', i, 'target', 'instance'], `a refresh overwrites its target, and "${text(targetInst.name)}" is marked production`);
    }
    if (
      text(source.instance)?.toLowerCase() === text(target.instance)?.toLowerCase() &&
      text(source.database)?.toLowerCase() === text(target.database)?.toLowerCase() &&
      text(source.instance) !== undefined
    ) {
      add(['refreshJobs', i, 'target'], 'the target is the source database itself');
    }
    const container = text(job.container);
    if (container && !containers.has(container.toLowerCase())) add(['refreshJobs', i, 'container'], `unknown backup container "${container}"`);
    notifyRefs(['refreshJobs', i, 'notify'], job.notify);
  });

  items(input, 'links').forEach((link, i) => {
    instanceRef(['links', i, 'sqlServer', 'instance'], child(link, 'sqlServer').instance, 'sqlServer');
    instanceRef(['links', i, 'managedInstance', 'instance'], child(link, 'managedInstance').instance, 'managedInstance');
    const failover = child(link, 'failover');
    const types = Array.isArray(failover.allowedTypes) ? failover.allowedTypes : [];
    if (failover.mode === 'automatic' && types.includes('forced') && failover.dataLossBudgetSeconds === undefined) {
      add(['links', i, 'failover', 'dataLossBudgetSeconds'], 'automatic forced failover needs an explicit data-loss budget in seconds (0 means "only when nothing would be lost")');
    }
  });

  items(input, 'alertRoutes').forEach((route, i) => {
    const link = text(route.link);
    if (route.action === 'failover' && !link) add(['alertRoutes', i, 'link'], 'a failover route must name the link it acts on');
    if (link && !links.has(link.toLowerCase())) add(['alertRoutes', i, 'link'], `unknown link "${link}"`);
  });

  return problems;
}

/** Parses and checks an estate; throws EstateValidationError listing every problem. */
export function validateEstate(input: unknown, source = 'input'): Estate {
  const parsed = estateSchema.safeParse(input);
  const problems = [...(parsed.success ? [] : zodProblems(parsed.error)), ...crossReferenceProblems(input)];
  if (problems.length > 0 || !parsed.success) {
    problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    throw new EstateValidationError(problems, source);
  }
  return parsed.data;
}
