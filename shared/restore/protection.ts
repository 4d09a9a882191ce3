// Which databases are production, and what a restore may do to them. Pure: the estate in, a
// verdict out. A database is production when the estate says so for it, or for its instance
// (unless the database says otherwise), and always when it is in a Managed Instance link, on
// either side, whatever is written: restoring over it would break the link.
import type { Estate } from '../config/schema';

export interface Protection {
  production: boolean;
  /** why, in a DBA's words */
  why: string;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export function protectionOf(estate: Estate, instanceName: string, database: string): Protection {
  const link = estate.links.find((l) => (same(l.sqlServer.instance, instanceName) || same(l.managedInstance.instance, instanceName)) && l.databases.some((d) => same(d, database)));
  if (link) return { production: true, why: `${database} on ${instanceName} is in the Managed Instance link ${link.name} (production whatever the estate says)` };
  const instance = estate.instances.find((i) => same(i.name, instanceName));
  if (!instance) return { production: false, why: `${instanceName} is not in the estate` };
  const declared = instance.databases.find((d) => same(d.name, database));
  if (declared) {
    return declared.environment === 'production'
      ? { production: true, why: `${database} on ${instanceName} is declared production in the estate` }
      : { production: false, why: `${database} on ${instanceName} is declared non-production in the estate` };
  }
  return instance.environment === 'production'
    ? { production: true, why: `${instanceName} is a production instance` }
    : { production: false, why: `${instanceName} is a non-production instance` };
}

export type ProtectionVerdict =
  | { allowed: true }
  | { allowed: true; approvalNeeded: string }
  | { allowed: false; message: string };

/**
 * A restore may create a new database anywhere, and with onExisting: fail it never touches an
 * existing one. Replacing or swapping a production database needs the rule to allow it
 * (allowProductionTarget), and then an approval; a request without such a rule is refused.
 */
export function protectionVerdict(p: Protection, request: { onExisting: 'fail' | 'replace' | 'swap'; allowProductionTarget: boolean; target: string; what: string }): ProtectionVerdict {
  if (!p.production || request.onExisting === 'fail') return { allowed: true };
  if (!request.allowProductionTarget) {
    return {
      allowed: false,
      message: `refused: ${request.what} would ${request.onExisting} ${request.target}, and ${p.why}; only a restore rule with allowProductionTarget: true may, and then after an approval. Nothing was started or changed`,
    };
  }
  return { allowed: true, approvalNeeded: `${request.what} will ${request.onExisting === 'swap' ? 'swap in a new copy of' : 'overwrite'} ${request.target} (${p.why}). Approve?` };
}
