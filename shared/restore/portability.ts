// Backup portability (REFERENCE.md 7): a managed instance's backup restores on SQL Server only
// when the instance uses the SQL Server 2022 (or 2025) update policy, and never when the database
// is protected by service-managed TDE. Decided before anything is touched, from ARM.

export interface ManagedInstanceFacts {
  /** ARM databaseFormat: SQLServer2022, SQLServer2025, AlwaysUpToDate */
  databaseFormat?: string;
  /** encryption protector: ServiceManaged or AzureKeyVault */
  serverKeyType: string;
}

export interface PortabilityCheck {
  sourceInstance: string;
  facts: ManagedInstanceFacts;
  /** the backup's files carry a TDE thumbprint */
  encrypted: boolean;
  target: string;
  /** the target SQL Server's major version (16 = 2022, 17 = 2025) */
  targetMajor: number;
}

const FORMAT_MAJOR: Record<string, number> = { sqlserver2022: 16, sqlserver2025: 17 };

export function portabilityProblem(c: PortabilityCheck): { code: 'NOT_PORTABLE_UPDATE_POLICY' | 'TDE_SERVICE_MANAGED'; message: string } | undefined {
  const format = (c.facts.databaseFormat ?? '').toLowerCase();
  const needs = FORMAT_MAJOR[format];
  if (needs === undefined) {
    return {
      code: 'NOT_PORTABLE_UPDATE_POLICY',
      message: `${c.sourceInstance} uses the update policy ${c.facts.databaseFormat ?? '(unknown)'}; its backups restore only on managed instances, never on SQL Server (the policy must be SQL Server 2022 or 2025)`,
    };
  }
  if (needs > c.targetMajor) {
    return {
      code: 'NOT_PORTABLE_UPDATE_POLICY',
      message: `${c.sourceInstance} uses the ${c.facts.databaseFormat} update policy; its backups restore on SQL Server ${needs === 17 ? '2025' : '2022'} or newer, and ${c.target} runs ${c.targetMajor}.0`,
    };
  }
  if (c.encrypted && c.facts.serverKeyType.toLowerCase() === 'servicemanaged') {
    return {
      code: 'TDE_SERVICE_MANAGED',
      message: `the backup is encrypted with ${c.sourceInstance}'s service-managed TDE key, which never leaves the managed instance; SQL Server cannot restore it (use a customer-managed key in Key Vault)`,
    };
  }
  return undefined;
}
