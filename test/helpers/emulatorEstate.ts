// Instances of an emulated estate as the emulator tests declare them: each with the administrator
// login the tests connect as first (openPool signs in with an instance's first login): sa on SQL
// Server, miadmin on a managed instance; other logins after it, not sysadmin unless they say so.
import type { EstateInstance, EstateLogin } from '../../emulator/engine/estate';

type More = Omit<Partial<EstateInstance>, 'name' | 'kind'>;

function instance(name: string, kind: EstateInstance['kind'], admin: string, password: string, more: More): EstateInstance {
  return { name, kind, ...more, logins: [{ name: admin, password }, ...(more.logins ?? [])] };
}

/** An emulated SQL Server: sa with this password, then `more.logins`. */
export const sqlServer = (name: string, password: string, more: More = {}): EstateInstance => instance(name, 'sqlServer', 'sa', password, more);

/** An emulated managed instance: miadmin with this password, then `more.logins`. */
export const managedInstance = (name: string, password: string, more: More = {}): EstateInstance => instance(name, 'managedInstance', 'miadmin', password, more);

/** A SQL login that is not sysadmin. */
export const userLogin = (name: string, password: string, more: Partial<EstateLogin> = {}): EstateLogin => ({ name, password, sysadmin: false, ...more });
