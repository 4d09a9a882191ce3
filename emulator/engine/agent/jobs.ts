// SQL Agent job definitions in msdb: sp_add_job, sp_add_jobstep, sp_add_jobserver, sp_delete_job,
// with Agent's own error numbers and texts.
import { SqlError } from '../../sqlError';
import type { EmulatedInstance } from '../instance';
import type { AgentJob } from '../model';
import { newGuid, sameName } from '../names';

export interface JobRef {
  jobName?: string | null;
  jobId?: string | null;
}

export function findJob(inst: EmulatedInstance, ref: JobRef): AgentJob {
  if (ref.jobId) {
    const job = inst.jobs.find((j) => j.jobId.toUpperCase() === String(ref.jobId).toUpperCase());
    if (!job) throw new SqlError(14262, 1, 16, `The specified @job_id ('${String(ref.jobId).toUpperCase()}') does not exist.`);
    if (ref.jobName && !sameName(job.name, ref.jobName)) {
      throw new SqlError(14294, 1, 16, 'Supply either @job_id or @job_name to identify the job.');
    }
    return job;
  }
  if (ref.jobName) {
    const job = inst.jobs.find((j) => sameName(j.name, ref.jobName as string));
    if (!job) throw new SqlError(14262, 1, 16, `The specified @job_name ('${ref.jobName}') does not exist.`);
    return job;
  }
  throw new SqlError(14294, 1, 16, 'Supply either @job_id or @job_name to identify the job.');
}

export interface NewJob {
  name: string;
  enabled: boolean;
  description: string;
  deleteLevel: number;
  ownerLogin: string;
}

export function addJob(inst: EmulatedInstance, spec: NewJob): AgentJob {
  if (!spec.name.trim()) throw new SqlError(14200, 1, 16, "The specified '@job_name' is invalid.");
  if (inst.jobs.some((j) => sameName(j.name, spec.name))) {
    throw new SqlError(14261, 1, 16, `The specified @job_name ('${spec.name}') already exists.`);
  }
  if (spec.deleteLevel < 0 || spec.deleteLevel > 3) {
    throw new SqlError(14266, 1, 16, "The specified '@delete_level' is invalid (valid values are: 0, 1, 2, 3).");
  }
  const job: AgentJob = {
    jobId: newGuid(),
    name: spec.name,
    enabled: spec.enabled,
    description: spec.description,
    deleteLevel: spec.deleteLevel,
    steps: [],
    servers: [],
    history: [],
    dateCreated: inst.now(),
    ownerLogin: spec.ownerLogin,
  };
  inst.jobs.push(job);
  return job;
}

const SUBSYSTEMS = ['TSQL', 'CMDEXEC', 'POWERSHELL', 'SSIS', 'ANALYSISQUERY', 'ANALYSISCOMMAND', 'SNAPSHOT', 'LOGREADER', 'DISTRIBUTION', 'MERGE', 'QUEUEREADER'];

export interface NewStep {
  stepId?: number | null;
  stepName: string;
  subsystem: string;
  command: string;
  databaseName: string;
}

export function addJobStep(inst: EmulatedInstance, job: AgentJob, spec: NewStep): number {
  const subsystem = spec.subsystem.toUpperCase();
  if (!SUBSYSTEMS.includes(subsystem)) {
    throw new SqlError(14234, 1, 16, "The specified '@subsystem' is invalid (valid values are returned by sp_enum_sqlagent_subsystems).");
  }
  if (inst.config.kind === 'managedInstance' && subsystem !== 'TSQL' && subsystem !== 'SSIS') {
    throw new SqlError(41914, 1, 16, `SQL Server Agent feature Subsystem ${subsystem} is not supported in SQL Database Managed Instance. Review the documentation for supported options.`);
  }
  if (job.steps.some((s) => sameName(s.stepName, spec.stepName))) {
    throw new SqlError(14261, 1, 16, `The specified @step_name ('${spec.stepName}') already exists.`);
  }
  const stepId = spec.stepId ?? job.steps.length + 1;
  if (stepId < 1 || stepId > job.steps.length + 1) {
    throw new SqlError(14266, 1, 16, `The specified '@step_id' is invalid (valid values are: 1..${job.steps.length + 1}).`);
  }
  for (const s of job.steps) if (s.stepId >= stepId) s.stepId++;
  job.steps.push({ stepId, stepName: spec.stepName, subsystem, command: spec.command, databaseName: spec.databaseName });
  job.steps.sort((a, b) => a.stepId - b.stepId);
  return stepId;
}

export function addJobServer(inst: EmulatedInstance, job: AgentJob, serverName: string): void {
  const local = serverName === '(local)' || sameName(serverName, inst.serverName) ? '(local)' : serverName;
  if (local !== '(local)') {
    throw new SqlError(14234, 1, 16, `The specified '@server_name' is invalid (valid values are returned by sp_helpserver).`);
  }
  if (job.servers.length > 0) throw new SqlError(14269, 1, 16, `Job '${job.name}' is already targeted at server '${inst.serverName}'.`);
  job.servers.push(local);
}

export function deleteJob(inst: EmulatedInstance, job: AgentJob): void {
  const i = inst.jobs.indexOf(job);
  if (i >= 0) inst.jobs.splice(i, 1);
}
