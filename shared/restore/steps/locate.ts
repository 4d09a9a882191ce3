// Step 1: find every file of the backup in the container, wait for missing stripes, and stop if
// another restore already covered the blob that started this one.
import { compilePathPattern, isPatternProblem } from '../../config/pathPattern';
import { fail, next, StepResult, succeed, waitOn } from '../../ops/types';
import { blobVersionKey } from '../claims';
import { backupsArrivedFor, openRun, RestoreDeps, targetKeyOf, type RestoreContext } from '../deps';
import type { RestoreInput } from '../input';
import type { RestoreState } from '../state';
import { namedStripeSets } from '../namedStripes';

/** The output of a restore another operation's restore made unnecessary. */
export function coveredOutput(input: RestoreInput, coveredBy: string): Record<string, unknown> {
  return {
    skipped: true,
    reason: `${input.blobPath} was already restored into ${input.target.database} on ${input.target.instance} by operation ${coveredBy} (its chain included this backup); nothing more was done (POST /api/restores restores it again)`,
    coveredBy,
  };
}

/** Captures that name the backup family; the others (type, timestamp, stripe) vary within it. */
const FAMILY_CAPTURES = ['server', 'database'];

export async function locate(deps: RestoreDeps, ctx: RestoreContext): Promise<StepResult<RestoreState>> {
  const run = await openRun(deps, ctx);
  const { input, state } = run;
  const listing = await run.container.list();
  const trigger = listing.find((b) => b.path === input.blobPath);
  if (!trigger) return fail('BACKUP_NOT_FOUND', `${input.blobPath} is no longer in container ${input.container}; nothing was restored`);

  if (input.eTag && trigger.eTag.replace(/"/g, '') !== input.eTag.replace(/"/g, '')) {
    // replaced since the event: the new version's own event starts its own restore
    return succeed({ skipped: true, reason: `${input.blobPath} was replaced by a newer upload after this event; that upload has its own restore, so nothing was restored by this operation` });
  }
  // restored already (by a restore whose chain included it): nothing to do. One still restoring it is
  // waited for before the lock (yieldToNewer); one that ended without restoring it covers nothing
  const claim = input.explicit ? undefined : await deps.claims.claimedBy(targetKeyOf(input), blobVersionKey(trigger.url, trigger.eTag));
  if (claim?.restored && claim.operationId !== ctx.operation.id) return succeed(coveredOutput(input, claim.operationId));

  let candidates = [trigger];
  if (input.pathPattern) {
    const compiled = compilePathPattern(input.pathPattern);
    if (!isPatternProblem(compiled)) {
      candidates = listing.filter((b) => {
        const m = compiled.regex.exec(b.path);
        return m !== null && FAMILY_CAPTURES.every((c) => input.captures[c] === undefined || m.groups?.[c] === input.captures[c]);
      });
      const stripeSet = namedStripeSets(input.pathPattern, candidates.map((c) => c.path)).find((s) => [...s.present.values()].includes(input.blobPath));
      if (stripeSet && stripeSet.missing.length > 0) {
        const since = state.waitingSince ?? ctx.now.toISOString();
        const waitedMs = ctx.now.getTime() - new Date(since).getTime();
        const message = `backup ${input.blobPath} is striped over ${stripeSet.expected} files; missing stripe${stripeSet.missing.length === 1 ? '' : 's'} ${stripeSet.missing.join(', ')}`;
        if (waitedMs > input.stripeTimeoutMinutes * 60_000) {
          return fail('STRIPES_MISSING', `${message} after waiting ${input.stripeTimeoutMinutes} minutes; nothing was restored`);
        }
        return waitOn([backupsArrivedFor(targetKeyOf(input))], deps.pollMs, `waiting for stripes: ${message}`, { ...state, waitingSince: since });
      }
    }
  }
  if (candidates.length > 500) {
    return fail('TOO_MANY_BACKUPS', `${candidates.length} files match the rule for this database; move older backups to another folder or tighten the rule's pattern`);
  }
  await run.data.setCandidates(Object.fromEntries(candidates.map((c) => [c.path, c.eTag])));
  return next('credential', state);
}
