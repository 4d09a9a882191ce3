// Which restore rule a blob falls under, what its captures are, and the database it restores to.
import type { RestoreRule } from '../config/schema';
import { compilePathPattern, isPatternProblem, CaptureName } from '../config/pathPattern';

export interface RuleMatch {
  rule: RestoreRule;
  captures: Partial<Record<CaptureName, string>>;
  /** the target database name, from the rule's template */
  targetDatabase: string;
}

export type RuleVerdict =
  | { matched: true; match: RuleMatch }
  | { matched: false; reason: 'no-rule' | 'bad-target-name'; message: string };

/**
 * SQL Server accepts almost any character in a database name once it is quoted; control
 * characters and names SQL Server itself refuses are rejected here with the reason.
 */
export function databaseNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the database name is empty';
  if (name.length > 128) return `the database name is ${name.length} characters; SQL Server allows 128`;
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'the database name contains control characters';
  if (name !== name.trim()) return 'the database name starts or ends with a space';
  if (['master', 'model', 'msdb', 'tempdb'].includes(name.toLowerCase())) return `"${name}" is a system database`;
  return undefined;
}

export function expandTemplate(template: string, captures: Partial<Record<CaptureName, string>>): string {
  return template.replace(/\{([a-z]+)\}/g, (_, key: string) => captures[key as CaptureName] ?? '');
}

/** The first enabled rule of the container whose pattern matches the blob path. */
export function matchRule(rules: readonly RestoreRule[], containerName: string, blobPath: string): RuleVerdict {
  for (const rule of rules) {
    if (!rule.enabled || rule.container.toLowerCase() !== containerName.toLowerCase()) continue;
    const compiled = compilePathPattern(rule.pathPattern);
    if (isPatternProblem(compiled)) continue; // the estate validator already reported it
    const m = compiled.regex.exec(blobPath);
    if (!m) continue;
    const captures: Partial<Record<CaptureName, string>> = {};
    for (const name of compiled.captures) captures[name] = m.groups?.[name];
    const targetDatabase = expandTemplate(rule.target.database, captures);
    const problem = databaseNameProblem(targetDatabase);
    if (problem) {
      return { matched: false, reason: 'bad-target-name', message: `rule ${rule.name} maps ${blobPath} to database "${targetDatabase}": ${problem}` };
    }
    return { matched: true, match: { rule, captures, targetDatabase } };
  }
  return { matched: false, reason: 'no-rule', message: `no enabled restore rule of container ${containerName} matches ${blobPath}` };
}
