// Playbooks: typed on the inside (an input schema and a state schema, zod), erased at the engine's
// boundary. The engine stores input and step state as JSON; a playbook sees them parsed and typed,
// so a record written by an older version, or edited by hand, fails loudly instead of misleading a step.
import type { z } from 'zod';
import { AppError } from '../errors';
import type { StepContext, StepResult } from './types';

export type StepHandler<I, S> = (ctx: StepContext<I, S>) => Promise<StepResult<S>>;

export interface PlaybookDefinition<I, S> {
  kind: string;
  /** what an operation of this kind is asked to do; checked when it starts and before every step */
  input: z.ZodType<I>;
  /** what the steps keep between them; checked before every step */
  state: z.ZodType<S>;
  firstStep: string;
  steps: Record<string, StepHandler<I, S>>;
  /** default time an operation of this kind may take, from creation */
  defaultDeadlineMs: number;
  /** transient failures of one step are retried this many times in all (default: engine setting) */
  maxAttempts?: number;
  /** hold the operation's locks while running (default true) */
  exclusive?: boolean;
  /**
   * Steps that run before the locks are taken (they only look: list, read headers); the locks are
   * taken before the first step not named here and held until the end. Two operations on one
   * target can then both find out what they would do, and the later can make the earlier step aside.
   */
  unlockedSteps?: string[];
  /**
   * The step that undoes unfinished work (a running server-side restore, a staging copy, a link
   * left in synchronous mode) whenever a started operation ends without succeeding: a step's
   * failure, a poison message, a cancel, the deadline, an expired or rejected approval. It runs
   * once, like any step (it may wait), with `ctx.ending` saying why, for up to the engine's
   * cleanupGraceMs; it returns cleanedUp(report) with what it did.
   */
  cleanupStep?: string;
  /** locks beside the target's, e.g. a failover's link and the databases on both sides */
  locks?: (input: I) => string[];
}

/** What the engine sees of a playbook: JSON in, JSON out. */
export interface Playbook {
  readonly kind: string;
  readonly firstStep: string;
  readonly defaultDeadlineMs: number;
  readonly maxAttempts?: number;
  readonly exclusive: boolean;
  readonly cleanupStep?: string;
  hasStep(step: string): boolean;
  /** whether the step must run holding the operation's locks */
  needsLocks(step: string): boolean;
  /** the input as stored: parsed (defaults applied); throws BAD_REQUEST with every problem */
  parseInput(raw: unknown): unknown;
  /** the locks beside the target's */
  extraLocks(input: unknown): string[];
  run(step: string, ctx: StepContext): Promise<StepResult>;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

export function definePlaybook<I, S>(def: PlaybookDefinition<I, S>): Playbook {
  if (!def.steps[def.firstStep]) throw new Error(`playbook '${def.kind}' starts at '${def.firstStep}', which is not one of its steps`);
  if (def.cleanupStep && !def.steps[def.cleanupStep]) throw new Error(`playbook '${def.kind}' names cleanup step '${def.cleanupStep}', which is not one of its steps`);
  const parseInput = (raw: unknown): I => {
    const parsed = def.input.safeParse(raw);
    if (!parsed.success) throw new AppError('BAD_REQUEST', `the input of a ${def.kind} operation is not valid: ${describeIssues(parsed.error)}`);
    return parsed.data;
  };
  return {
    kind: def.kind,
    firstStep: def.firstStep,
    defaultDeadlineMs: def.defaultDeadlineMs,
    maxAttempts: def.maxAttempts,
    exclusive: def.exclusive !== false,
    cleanupStep: def.cleanupStep,
    hasStep: (step) => Object.prototype.hasOwnProperty.call(def.steps, step),
    needsLocks: (step) => def.exclusive !== false && !(def.unlockedSteps ?? []).includes(step),
    parseInput,
    extraLocks: (input) => (def.locks ? def.locks(parseInput(input)) : []),
    async run(step, ctx) {
      const handler = def.steps[step];
      if (!handler) throw new AppError('STEP_NOT_FOUND', `playbook '${def.kind}' has no step '${step}' (is this app version older than the operation?)`);
      const input = def.input.safeParse(ctx.input);
      if (!input.success) throw new AppError('OPERATION_STATE_INVALID', `operation ${ctx.operation.id}: its stored input does not fit the ${def.kind} playbook: ${describeIssues(input.error)}`);
      let stepState: S | undefined;
      if (ctx.stepState !== undefined) {
        const state = def.state.safeParse(ctx.stepState);
        if (!state.success) throw new AppError('OPERATION_STATE_INVALID', `operation ${ctx.operation.id}: its stored step state does not fit the ${def.kind} playbook: ${describeIssues(state.error)}`);
        stepState = state.data;
      }
      const typed: StepContext<I, S> = {
        operation: ctx.operation,
        input: input.data,
        stepState,
        attempt: ctx.attempt,
        now: ctx.now,
        ending: ctx.ending,
        progress: (percent, message) => ctx.progress(percent, message),
        log: (message) => ctx.log(message),
      };
      return (await handler(typed)) as StepResult;
    },
  };
}
