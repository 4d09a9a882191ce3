// KILL, and the statements the emulator refuses: availability groups (the link is emulated
// elsewhere) and statements it parses but does not implement.
import type { Statement } from '../../sql/ast';
import { SqlError } from '../../sqlError';
import { FIRST_USER_SPID } from '../instance';
import type { ExecEnv } from './env';
import { asInt, evaluate } from './values';
import { executeAvailabilityGroupStatement } from '../../link/statements';

type Of<K extends Statement['kind']> = Extract<Statement, { kind: K }>;

export function runKill(env: ExecEnv, stmt: Of<'kill'>): void {
  const session = env.session;
  const value = evaluate(env, stmt.spid);
  const spid = asInt(value);
  if (spid === null || (typeof value === 'string' && !/^\s*\d+\s*$/.test(value))) {
    throw new SqlError(6112, 1, 16, `Invalid process ID '${String(value)}'. Specify a process ID that is greater than 0 and less than 65536.`);
  }
  if (spid === session.spid) throw new SqlError(6104, 1, 16, 'Cannot use KILL to kill your own process.');
  if (spid < FIRST_USER_SPID) throw new SqlError(6107, 1, 14, 'Only user processes can be killed.');
  const target = session.instance.session(spid);
  if (!target) throw new SqlError(6106, 2, 16, `Process ID ${spid} is not an active process ID.`);
  target.kill();
}

function notSupported(option: string): SqlError {
  return new SqlError(40517, 1, 16, `Keyword or statement option '${option}' is not supported in this version of SQL Server.`);
}

/** AVAILABILITY GROUP statements: HADR is off on the emulated SQL Servers; a managed instance manages its link through ARM */
/**
 * ALTER/DROP AVAILABILITY GROUP: a Managed Instance link of the estate answers it (failover, role
 * and mode changes) and returns its informational messages; anything else is refused as SQL
 * Server refuses it without Always On.
 */
export function runAvailabilityGroup(env: ExecEnv, stmt: Of<'availabilityGroup'>): string[] {
  const links = env.session.instance.links;
  if (links) {
    const outcome = executeAvailabilityGroupStatement(stmt, env.session.instance.config.name, links);
    if (outcome.handled) return outcome.messages;
  }
  if (env.session.instance.config.kind === 'managedInstance') throw notSupported(`${stmt.action} AVAILABILITY GROUP`);
  throw new SqlError(
    35221,
    1,
    16,
    'Could not process the operation. Always On Availability Groups replica manager is disabled on this instance of SQL Server. Enable Always On Availability Groups, by using the SQL Server Configuration Manager. Then, restart the SQL Server service, and retry the currently operation. For information about how to enable and disable Always On Availability Groups, see SQL Server Books Online.',
  );
}

export function runUnsupported(_env: ExecEnv, stmt: Of<'unsupported'>): never {
  throw notSupported(stmt.keyword);
}
