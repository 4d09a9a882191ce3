// The restore playbook: a backup in Blob Storage becomes a database on the target, step by
// step on the operation engine. Every step looks before it acts, so a re-run after a crash
// continues instead of repeating (see each step's file). Long server-side work (RESTORE,
// VERIFYONLY, CHECKDB, scripts) runs as SQL Agent jobs the steps poll.
import { definePlaybook, type Playbook, type StepHandler } from '../ops/playbook';
import { fail, wait } from '../ops/types';
import { SqlFailure } from '../sql/sqlErrors';
import type { RestoreDeps } from './deps';
import { RESTORE_KIND, restoreInputSchema, type RestoreInput } from './input';
import { restoreStateSchema, type RestoreState } from './state';
import { abort } from './steps/abort';
import { credential } from './steps/credential';
import { startRestore, watch } from './steps/execute';
import { scripts, swap, validate, verify } from './steps/finish';
import { inspect, verifyBackup } from './steps/inspect';
import { locate } from './steps/locate';
import { stageLogReplay, startLogReplay, tidyLogReplay, watchLogReplay } from './steps/logReplay';
import { precheck, yieldToNewer } from './steps/precheck';

/** A connection that failed: the instance is down, restarting, or out of reach. */
const UNREACHABLE_CODES = new Set(['ESOCKET', 'ETIMEOUT', 'ECONNCLOSED', 'ENOTOPEN', 'ECONNRESET', 'ECONNREFUSED']);

function unreachable(err: unknown, state: RestoreState): err is SqlFailure {
  if (!(err instanceof SqlFailure) || !err.driverCode) return false;
  if (UNREACHABLE_CODES.has(err.driverCode)) return true;
  // a login refused after this operation logged in before is an instance restarting, not a wrong password
  return err.driverCode === 'ELOGIN' && state.targetFacts !== undefined;
}

/**
 * An instance that cannot be reached is waited for, with the reason on the operation ("sql-dev
 * unreachable since …"), for deps.unreachableWindowMs (default 15 minutes), before the restore
 * fails TARGET_UNREACHABLE; the cleanup waits the same way, so nothing is left behind for lack of
 * a connection.
 */
function waitingOutOutages(deps: RestoreDeps, step: StepHandler<RestoreInput, RestoreState>): StepHandler<RestoreInput, RestoreState> {
  const windowMs = deps.unreachableWindowMs ?? 15 * 60_000;
  return async (ctx) => {
    const state = ctx.stepState ?? {};
    try {
      const result = await step(ctx);
      if (!state.unreachableSince || result.type === 'succeed' || result.type === 'cleanedUp') return result;
      // reachable again: the outage is over
      return { ...result, state: { ...(result.state ?? state), unreachableSince: undefined } };
    } catch (err) {
      if (!unreachable(err, state)) throw err;
      const since = state.unreachableSince ?? ctx.now.toISOString();
      const minutes = Math.round(windowMs / 60_000);
      if (ctx.now.getTime() - new Date(since).getTime() > windowMs) {
        return fail('TARGET_UNREACHABLE', `${err.instance} has been unreachable since ${since} (more than ${minutes} minutes): ${err.message}`, { ...state, unreachableSince: since });
      }
      return wait(Math.min(deps.pollMs, 10_000), `${err.instance} unreachable since ${since} (waiting up to ${minutes} minutes): ${err.message}`, { ...state, unreachableSince: since });
    }
  };
}

export function restorePlaybook(deps: RestoreDeps): Playbook {
  const steps: Record<string, StepHandler<RestoreInput, RestoreState>> = {
    locate: (ctx) => locate(deps, ctx),
    credential: (ctx) => credential(deps, ctx),
    inspect: (ctx) => inspect(deps, ctx),
    verifyBackup: (ctx) => verifyBackup(deps, ctx),
    yieldToNewer: (ctx) => yieldToNewer(deps, ctx),
    precheck: (ctx) => precheck(deps, ctx),
    startRestore: (ctx) => startRestore(deps, ctx),
    watch: (ctx) => watch(deps, ctx),
    stageLogReplay: (ctx) => stageLogReplay(deps, ctx),
    startLogReplay: (ctx) => startLogReplay(deps, ctx),
    watchLogReplay: (ctx) => watchLogReplay(deps, ctx),
    tidyLogReplay: (ctx) => tidyLogReplay(deps, ctx),
    verify: (ctx) => verify(deps, ctx),
    validate: (ctx) => validate(deps, ctx),
    swap: (ctx) => swap(deps, ctx),
    scripts: (ctx) => scripts(deps, ctx),
    abort: (ctx) => abort(deps, ctx),
  };
  return definePlaybook({
    kind: RESTORE_KIND,
    input: restoreInputSchema,
    state: restoreStateSchema,
    firstStep: 'locate',
    // every ending but success stops the server-side work and drops what this restore created
    cleanupStep: 'abort',
    defaultDeadlineMs: 24 * 3600_000,
    // the steps that only look run before the target's lock is taken, so that a newer backup's
    // restore can plan while an older one waits, and make it step aside (yieldToNewer); the
    // cleanup touches only what its own operation created
    unlockedSteps: ['locate', 'credential', 'inspect', 'yieldToNewer', 'abort'],
    steps: Object.fromEntries(Object.entries(steps).map(([name, step]) => [name, waitingOutOutages(deps, step)])),
  });
}
