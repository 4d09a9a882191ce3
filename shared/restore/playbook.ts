// The restore playbook: a backup in Blob Storage becomes a database on the target, step by
// step on the operation engine. Every step looks before it acts, so a re-run after a crash
// continues instead of repeating (see each step's file). Long server-side work (RESTORE,
// VERIFYONLY, CHECKDB, scripts) runs as SQL Agent jobs the steps poll.
import { definePlaybook, type Playbook } from '../ops/playbook';
import type { RestoreDeps } from './deps';
import { RESTORE_KIND, restoreInputSchema } from './input';
import { restoreStateSchema } from './state';
import { abort } from './steps/abort';
import { credential } from './steps/credential';
import { startRestore, watch } from './steps/execute';
import { scripts, swap, validate, verify } from './steps/finish';
import { inspect, verifyBackup } from './steps/inspect';
import { locate } from './steps/locate';
import { stageLogReplay, startLogReplay, tidyLogReplay, watchLogReplay } from './steps/logReplay';
import { precheck } from './steps/precheck';

export function restorePlaybook(deps: RestoreDeps): Playbook {
  return definePlaybook({
    kind: RESTORE_KIND,
    input: restoreInputSchema,
    state: restoreStateSchema,
    firstStep: 'locate',
    // every ending but success stops the server-side work and drops what this restore created
    cleanupStep: 'abort',
    defaultDeadlineMs: 24 * 3600_000,
    steps: {
      locate: (ctx) => locate(deps, ctx),
      credential: (ctx) => credential(deps, ctx),
      inspect: (ctx) => inspect(deps, ctx),
      verifyBackup: (ctx) => verifyBackup(deps, ctx),
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
    },
  });
}
