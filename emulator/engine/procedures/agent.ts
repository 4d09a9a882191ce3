// msdb's SQL Agent procedures: sp_add_job, sp_add_jobstep, sp_add_jobserver, sp_start_job,
// sp_stop_job, sp_delete_job.
import { SqlError } from '../../sqlError';
import type { SqlValue } from '../../tds/types';
import { addJob, addJobServer, addJobStep, deleteJob, findJob, type JobRef } from '../agent/jobs';
import { startJobRun } from '../agent/runner';
import type { ProcedureCall, ProcedureDef } from './types';

const text = (v: SqlValue | undefined): string | null => (v === undefined || v === null ? null : String(v));
const int = (v: SqlValue | undefined, fallback: number): number => (v === undefined || v === null ? fallback : Number(v));

function jobRef(call: ProcedureCall): JobRef {
  return { jobName: text(call.args.get('@job_name')), jobId: text(call.args.get('@job_id')) };
}

/** 22022: SQL Agent refused a start or stop request, in Agent's words. */
function agentRefused(action: 'run' | 'stop', jobName: string, login: string, because: string): SqlError {
  return new SqlError(22022, 1, 16, `SQLServerAgent Error: Request to ${action} job ${jobName} (from User ${login}) refused because ${because}.`);
}

const spAddJob: ProcedureDef = {
  name: 'sp_add_job',
  database: 'msdb',
  params: ['@job_name', '@enabled', '@description', '@start_step_id', '@category_name', '@category_id', '@owner_login_name', '@notify_level_eventlog', '@notify_level_email', '@notify_level_netsend', '@notify_level_page', '@notify_email_operator_name', '@notify_netsend_operator_name', '@notify_page_operator_name', '@delete_level', '@job_id', '@originating_server'],
  required: ['@job_name'],
  async *run(call) {
    const s = call.env.session;
    const job = addJob(s.instance, {
      name: text(call.args.get('@job_name')) ?? '',
      enabled: int(call.args.get('@enabled'), 1) !== 0,
      description: text(call.args.get('@description')) ?? '',
      deleteLevel: int(call.args.get('@delete_level'), 0),
      ownerLogin: text(call.args.get('@owner_login_name')) ?? s.loginName,
    });
    call.outputs.set('@job_id', job.jobId);
    return 0;
  },
};

const spAddJobStep: ProcedureDef = {
  name: 'sp_add_jobstep',
  database: 'msdb',
  params: ['@job_id', '@job_name', '@step_id', '@step_name', '@subsystem', '@command', '@additional_parameters', '@cmdexec_success_code', '@on_success_action', '@on_success_step_id', '@on_fail_action', '@on_fail_step_id', '@server', '@database_name', '@database_user_name', '@retry_attempts', '@retry_interval', '@os_run_priority', '@output_file_name', '@flags', '@proxy_id', '@proxy_name', '@step_uid'],
  required: ['@step_name'],
  async *run(call) {
    const inst = call.env.session.instance;
    const job = findJob(inst, jobRef(call));
    addJobStep(inst, job, {
      stepId: call.args.has('@step_id') ? int(call.args.get('@step_id'), 0) : null,
      stepName: text(call.args.get('@step_name')) ?? '',
      subsystem: text(call.args.get('@subsystem')) ?? 'TSQL',
      command: text(call.args.get('@command')) ?? '',
      databaseName: text(call.args.get('@database_name')) ?? 'master',
    });
    call.outputs.set('@step_uid', null);
    return 0;
  },
};

const spAddJobServer: ProcedureDef = {
  name: 'sp_add_jobserver',
  database: 'msdb',
  params: ['@job_id', '@job_name', '@server_name', '@automatic_post'],
  required: [],
  async *run(call) {
    const inst = call.env.session.instance;
    addJobServer(inst, findJob(inst, jobRef(call)), text(call.args.get('@server_name')) ?? '(local)');
    return 0;
  },
};

const spStartJob: ProcedureDef = {
  name: 'sp_start_job',
  database: 'msdb',
  params: ['@job_name', '@job_id', '@error_flag', '@server_name', '@step_name', '@output_flag'],
  required: [],
  async *run(call) {
    const session = call.env.session;
    const inst = session.instance;
    const job = findJob(inst, jobRef(call));
    if (job.servers.length === 0) {
      throw new SqlError(14256, 1, 16, `Cannot start job '${job.name}' (ID ${job.jobId}) because it does not have any job server or servers defined. Associate the job with a job server by calling sp_add_jobserver.`);
    }
    if (job.running) {
      throw agentRefused('run', job.name, session.loginName, `the job is already running from a request by User ${session.loginName}`);
    }
    const controller = new AbortController();
    const done = startJobRun(inst, job, (o) => session.spawnBackgroundSession(o), session.loginName, controller.signal).finally(() => {
      inst.agentRuns.delete(job.jobId);
    });
    inst.agentRuns.set(job.jobId, { controller, done });
    yield { type: 'message', message: { number: 14243, state: 1, class: 0, message: `Job '${job.name}' started successfully.` } };
    return 0;
  },
};

/** Stops a running job: its step's request is aborted, the history says it was stopped. */
const spStopJob: ProcedureDef = {
  name: 'sp_stop_job',
  database: 'msdb',
  params: ['@job_name', '@job_id', '@originating_server', '@server_name'],
  required: [],
  async *run(call) {
    const session = call.env.session;
    const inst = session.instance;
    const job = findJob(inst, jobRef(call));
    const run = inst.agentRuns.get(job.jobId);
    if (!run) {
      throw agentRefused('stop', job.name, session.loginName, 'the job is not currently running');
    }
    run.controller.abort(new Error('job stopped'));
    await run.done;
    // the informational message's number is UNCONFIRMED; clients read only its text
    yield { type: 'message', message: { number: 14244, state: 1, class: 0, message: `Job '${job.name}' stopped successfully.` } };
    return 0;
  },
};

const spDeleteJob: ProcedureDef = {
  name: 'sp_delete_job',
  database: 'msdb',
  params: ['@job_id', '@job_name', '@originating_server', '@delete_history', '@delete_unused_schedule'],
  required: [],
  async *run(call) {
    const inst = call.env.session.instance;
    const job = findJob(inst, jobRef(call));
    inst.agentRuns.get(job.jobId)?.controller.abort(new Error('job deleted'));
    deleteJob(inst, job);
    return 0;
  },
};

export const AGENT_PROCEDURES: ProcedureDef[] = [spAddJob, spAddJobStep, spAddJobServer, spStartJob, spStopJob, spDeleteJob];
