// sp_start_job: runs a job's T-SQL steps in a background session of their own, so they outlive the
// connection that started them (how the app runs long RESTOREs on SQL Server), and writes
// sysjobhistory rows with SQL Agent's message format. delete_level removes the job afterwards.
import type { SqlMessage } from '../../tds/types';
import { accessError } from '../access';
import type { BackgroundSession, BackgroundSessionOptions } from '../exec/env';
import type { EmulatedInstance } from '../instance';
import type { AgentJob, AgentJobHistory, AgentJobStep } from '../model';
import { deleteJob } from './jobs';

export type SpawnSession = (options: BackgroundSessionOptions) => BackgroundSession;

interface StepOutcome {
  succeeded: boolean;
  message: string;
  sqlMessageId: number;
  sqlSeverity: number;
}

/** "0x" + the job id's bytes, as Agent names its sessions' program_name */
function jobIdHex(jobId: string): string {
  const hex = jobId.replace(/-/g, '');
  const swap = (s: string): string => s.match(/../g)?.reverse().join('') ?? s;
  // upper-case digits after a lower-case 0x, as Agent writes it in program_name
  return `0x${`${swap(hex.slice(0, 8))}${swap(hex.slice(8, 12))}${swap(hex.slice(12, 16))}${hex.slice(16)}`.toUpperCase()}`;
}

function executedAs(inst: EmulatedInstance, job: AgentJob): string {
  const windows = inst.config.kind === 'sqlServer' && !inst.config.defaultDataPath.startsWith('/');
  return windows ? 'NT SERVICE\\SQLSERVERAGENT' : (job.ownerLogin ?? 'sa');
}

/** one message as Agent writes it into the step's history text */
function agentLine(m: SqlMessage): string {
  return m.class > 10 ? `${m.message} [SQLSTATE 42000] (Error ${m.number})` : `${m.message} [SQLSTATE 01000] (Message ${m.number})`;
}

async function runStep(inst: EmulatedInstance, job: AgentJob, step: AgentJobStep, spawn: SpawnSession, signal: AbortSignal): Promise<StepOutcome> {
  const prefix = `Executed as user: ${executedAs(inst, job)}.`;
  const db = inst.findDatabase(step.databaseName);
  const denied = db ? accessError(inst, db, -1, inst.findLogin(job.ownerLogin ?? 'sa')) : undefined;
  if (!db || denied) {
    const text = denied?.message ?? `Cannot open database "${step.databaseName}" requested by the login. The login failed.`;
    return { succeeded: false, message: `${prefix} ${text}  The step failed.`, sqlMessageId: denied?.number ?? 4060, sqlSeverity: denied?.severity ?? 11 };
  }
  const session = spawn({
    loginName: job.ownerLogin ?? 'sa',
    database: db.name,
    programName: `SQLAgent - TSQL JobStep (Job ${jobIdHex(job.jobId)} : Step ${step.stepId})`,
  });
  job.running = { startedAt: job.running?.startedAt ?? inst.now(), sessionId: session.spid };
  const lines: string[] = [];
  let lastError: SqlMessage | undefined;
  try {
    for await (const out of session.runBatch(step.command, signal)) {
      if (out.type === 'message') {
        lines.push(agentLine(out.message));
        if (out.message.class > 10) lastError = out.message;
      } else if (out.type === 'resetConnection') {
        lastError = { number: 0, state: 1, class: 20, message: 'The step was terminated because its session was killed.' };
        lines.push(lastError.message);
        break;
      }
    }
  } finally {
    session.close();
  }
  if (signal.aborted && !lastError) {
    lastError = { number: 0, state: 1, class: 16, message: 'The job was stopped prior to completion.' };
    lines.push(lastError.message);
  }
  const succeeded = !lastError;
  const body = lines.length > 0 ? ` ${lines.join('  ')}` : '';
  return {
    succeeded,
    message: `${prefix}${body}.  The step ${succeeded ? 'succeeded' : 'failed'}.`,
    sqlMessageId: lastError?.number ?? 0,
    sqlSeverity: lastError?.class ?? 0,
  };
}

/**
 * Starts the job and returns at once; the promise of the run is returned for tests and for
 * shutdown. `invokedBy` is the login that called sp_start_job.
 */
export function startJobRun(inst: EmulatedInstance, job: AgentJob, spawn: SpawnSession, invokedBy: string, signal: AbortSignal): Promise<void> {
  const startedAt = inst.now();
  job.running = { startedAt, sessionId: 0 };
  const run = async (): Promise<void> => {
    let lastStep: AgentJobStep | undefined;
    let failed = false;
    for (const step of job.steps) {
      lastStep = step;
      const stepStart = inst.now();
      const outcome = await runStep(inst, job, step, spawn, signal).catch(
        (e: unknown): StepOutcome => ({ succeeded: false, message: `The step failed: ${e instanceof Error ? e.message : String(e)}`, sqlMessageId: 0, sqlSeverity: 16 }),
      );
      job.history.push(historyRow(inst, step.stepId, outcome.succeeded ? 1 : signal.aborted ? 3 : 0, outcome.message, outcome, stepStart));
      if (!outcome.succeeded) {
        failed = true;
        break;
      }
    }
    const last = lastStep ? `The last step to run was step ${lastStep.stepId} (${lastStep.stepName}).` : 'The job has no steps.';
    const verdict = signal.aborted ? 'was stopped prior to completion by User ' + invokedBy + '.' : failed ? 'failed.' : 'succeeded.';
    job.history.push(
      historyRow(
        inst,
        0,
        signal.aborted ? 3 : failed ? 0 : 1,
        `The job ${verdict}  The Job was invoked by User ${invokedBy}.  ${last}`,
        { sqlMessageId: 0, sqlSeverity: 0 },
        startedAt,
      ),
    );
    job.running = undefined;
    const remove = job.deleteLevel === 3 || (job.deleteLevel === 1 && !failed) || (job.deleteLevel === 2 && failed);
    if (remove) deleteJob(inst, job);
  };
  return run();
}

function historyRow(
  inst: EmulatedInstance,
  stepId: number,
  runStatus: AgentJobHistory['runStatus'],
  message: string,
  sql: { sqlMessageId: number; sqlSeverity: number },
  started: Date,
): AgentJobHistory {
  return {
    instanceId: inst.nextJobHistoryId(),
    stepId,
    runStatus,
    message,
    sqlMessageId: sql.sqlMessageId,
    sqlSeverity: sql.sqlSeverity,
    runDate: started,
    runDurationSeconds: Math.max(0, Math.round((inst.now().getTime() - started.getTime()) / 1000)),
  };
}
