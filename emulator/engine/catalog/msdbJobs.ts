// msdb.dbo.sysjobs, sysjobsteps, sysjobhistory, sysjobactivity and syssessions over the instance's
// Agent jobs. sysjobactivity has a row per job and Agent session: a run cut off by a restart keeps
// its old session's row (started, never stopped), so a reader must look at the current session.
import type { AgentJob, AgentJobHistory, AgentJobStep, AgentSession } from '../model';
import { agentDate, agentDuration, agentTime, c, view } from './columns';
import type { CatalogScope } from './scope';

const SA_SID = Buffer.from([0x01]);

export function sysJobs(scope: CatalogScope) {
  return view<AgentJob>(
    [
      c.guid('job_id', (j) => j.jobId, false),
      c.int('originating_server_id', () => 0),
      c.sysname('name', (j) => j.name),
      c.tinyint('enabled', (j) => (j.enabled ? 1 : 0)),
      c.nvarchar('description', 512, (j) => j.description || 'No description available.'),
      c.int('start_step_id', () => 1),
      c.int('category_id', () => 0),
      c.varbinary('owner_sid', 85, () => SA_SID, false),
      c.int('notify_level_eventlog', () => 2),
      c.int('notify_level_email', () => 0),
      c.int('notify_level_netsend', () => 0),
      c.int('notify_level_page', () => 0),
      c.int('notify_email_operator_id', () => 0),
      c.int('delete_level', (j) => j.deleteLevel),
      c.datetime('date_created', (j) => j.dateCreated, false),
      c.datetime('date_modified', (j) => j.dateCreated, false),
      c.int('version_number', (j) => 1 + j.steps.length + j.servers.length),
    ],
    () => scope.instance.jobs,
  );
}

interface StepRow {
  job: AgentJob;
  step: AgentJobStep;
}

function lastRun(job: AgentJob, stepId: number): AgentJobHistory | undefined {
  return [...job.history].reverse().find((h) => h.stepId === stepId);
}

export function sysJobSteps(scope: CatalogScope) {
  return view<StepRow>(
    [
      c.guid('job_id', (r) => r.job.jobId, false),
      c.int('step_id', (r) => r.step.stepId),
      c.sysname('step_name', (r) => r.step.stepName),
      c.nvarchar('subsystem', 40, (r) => r.step.subsystem, false),
      c.nvarchar('command', -1, (r) => r.step.command),
      c.int('flags', () => 0),
      c.nvarchar('additional_parameters', -1, () => null),
      c.int('cmdexec_success_code', () => 0),
      c.tinyint('on_success_action', (r) => (r.step.stepId === r.job.steps.length ? 1 : 3)),
      c.int('on_success_step_id', () => 0),
      c.tinyint('on_fail_action', () => 2),
      c.int('on_fail_step_id', () => 0),
      c.sysname('server', () => null, true),
      c.sysname('database_name', (r) => r.step.databaseName, true),
      c.sysname('database_user_name', () => null, true),
      c.int('retry_attempts', () => 0),
      c.int('retry_interval', () => 0),
      c.int('os_run_priority', () => 0),
      c.nvarchar('output_file_name', 200, () => null),
      c.int('last_run_outcome', (r) => lastRun(r.job, r.step.stepId)?.runStatus ?? 0),
      c.int('last_run_duration', (r) => agentDuration(lastRun(r.job, r.step.stepId)?.runDurationSeconds ?? 0)),
      c.int('last_run_retries', () => 0),
      c.int('last_run_date', (r) => {
        const h = lastRun(r.job, r.step.stepId);
        return h ? agentDate(h.runDate) : 0;
      }),
      c.int('last_run_time', (r) => {
        const h = lastRun(r.job, r.step.stepId);
        return h ? agentTime(h.runDate) : 0;
      }),
      c.int('proxy_id', () => null, true),
      c.guid('step_uid', () => null),
    ],
    () => scope.instance.jobs.flatMap((job) => job.steps.map((step) => ({ job, step }))),
  );
}

interface HistoryRow {
  job: AgentJob;
  h: AgentJobHistory;
}

export function sysJobHistory(scope: CatalogScope) {
  return view<HistoryRow>(
    [
      c.int('instance_id', (r) => r.h.instanceId),
      c.guid('job_id', (r) => r.job.jobId, false),
      c.int('step_id', (r) => r.h.stepId),
      c.sysname('step_name', (r) => (r.h.stepId === 0 ? '(Job outcome)' : (r.job.steps.find((s) => s.stepId === r.h.stepId)?.stepName ?? ''))),
      c.int('sql_message_id', (r) => r.h.sqlMessageId),
      c.int('sql_severity', (r) => r.h.sqlSeverity),
      c.nvarchar('message', 4000, (r) => r.h.message),
      c.int('run_status', (r) => r.h.runStatus),
      c.int('run_date', (r) => agentDate(r.h.runDate)),
      c.int('run_time', (r) => agentTime(r.h.runDate)),
      c.int('run_duration', (r) => agentDuration(r.h.runDurationSeconds)),
      c.int('operator_id_emailed', () => 0),
      c.int('operator_id_netsent', () => 0),
      c.int('operator_id_paged', () => 0),
      c.int('retries_attempted', () => 0),
      c.sysname('server', () => scope.instance.serverName),
    ],
    () =>
      scope.instance.jobs
        .flatMap((job) => job.history.map((h) => ({ job, h })))
        .sort((a, b) => a.h.instanceId - b.h.instanceId),
  );
}

interface ActivityRow {
  sessionId: number;
  job: AgentJob;
  start: Date | null;
  stop: Date | null;
  lastStep: number | null;
  lastStepDate: Date | null;
  historyId: number | null;
}

function activityOf(job: AgentJob, sessionId: number): ActivityRow {
  if (job.running) {
    return { sessionId, job, start: job.running.startedAt, stop: null, lastStep: null, lastStepDate: null, historyId: null };
  }
  const outcome = [...job.history].reverse().find((h) => h.stepId === 0);
  if (!outcome) return { sessionId, job, start: null, stop: null, lastStep: null, lastStepDate: null, historyId: null };
  const lastStep = [...job.history].reverse().find((h) => h.stepId > 0);
  return {
    sessionId,
    job,
    start: outcome.runDate,
    stop: new Date(outcome.runDate.getTime() + outcome.runDurationSeconds * 1000),
    lastStep: lastStep?.stepId ?? null,
    lastStepDate: lastStep?.runDate ?? null,
    historyId: outcome.instanceId,
  };
}

export function sysJobActivity(scope: CatalogScope) {
  return view<ActivityRow>(
    [
      c.int('session_id', (r) => r.sessionId),
      c.guid('job_id', (r) => r.job.jobId, false),
      c.datetime('run_requested_date', (r) => r.start),
      c.sysname('run_requested_source', (r) => (r.start ? '4' : null), true),
      c.datetime('queued_date', () => null),
      c.datetime('start_execution_date', (r) => r.start),
      c.int('last_executed_step_id', (r) => r.lastStep, true),
      c.datetime('last_executed_step_date', (r) => r.lastStepDate),
      c.datetime('stop_execution_date', (r) => r.stop),
      c.int('job_history_id', (r) => r.historyId, true),
      c.datetime('next_scheduled_run_date', () => null),
    ],
    () =>
      scope.instance.jobs.flatMap((job) => [
        ...(job.abandonedRuns ?? []).map<ActivityRow>((a) => ({ sessionId: a.agentSessionId, job, start: a.startedAt, stop: null, lastStep: null, lastStepDate: null, historyId: null })),
        activityOf(job, scope.instance.currentAgentSession()),
      ]),
  );
}

export function sysSessions(scope: CatalogScope) {
  return view<AgentSession>(
    [c.int('session_id', (s) => s.sessionId), c.datetime('agent_start_date', (s) => s.agentStartDate, false)],
    () => scope.instance.agentSessions,
  );
}
