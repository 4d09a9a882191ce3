// The EngineEndpoint a TdsServer serves for one instance: SQL authentication, the login database,
// and the connection-level faults (instance down, refused logins).
import { SqlError } from '../sqlError';
import type { EngineEndpoint, LoginRequest, LoginResult } from '../tds/types';
import { accessError } from './access';
import { checkAccessToken, entraLoginFor } from './entraToken';
import type { Login } from './model';
import type { EmulatedInstance } from './instance';
import type { EngineServices } from './services';
import { Session } from './session';
import { versionBytes } from './versions';

export class InstanceEndpoint implements EngineEndpoint {
  readonly serverName: string;
  readonly versionBytes: [number, number, number, number];
  /** a managed instance, as Azure SQL, accepts encrypted connections only */
  readonly requireEncryption: boolean;

  constructor(
    readonly instance: EmulatedInstance,
    readonly services: EngineServices,
  ) {
    this.serverName = instance.serverName;
    this.versionBytes = versionBytes(instance.product);
    this.requireEncryption = instance.config.kind === 'managedInstance';
  }

  acceptConnections(): boolean {
    return !this.instance.faultSwitches.isDown();
  }

  async login(request: LoginRequest): Promise<LoginResult> {
    const inst = this.instance;
    const requested = request.database || 'master';
    const refused = inst.faultSwitches.loginError(request.userName, requested, { serverName: inst.serverName, spid: 0 });
    if (refused) return { ok: false, error: refused.toMessage() };
    let login: Login | undefined;
    if (request.accessToken !== undefined) {
      // SQL Server names no principal when a token is refused (and says why only in its error log)
      const checked = checkAccessToken(request.accessToken, inst.now());
      login = checked.ok ? entraLoginFor(inst.config.logins, checked.objectId) : undefined;
      if (!login || inst.faultSwitches.isDown()) return { ok: false, error: loginFailed('<token-identified principal>').toMessage() };
    } else {
      login = inst.findLogin(request.userName);
      // an Entra login never takes a password
      if (!login || login.entraObjectId || login.password !== request.password || inst.faultSwitches.isDown()) {
        return { ok: false, error: loginFailed(request.userName).toMessage() };
      }
    }
    const db = inst.findDatabase(requested);
    if (!db || accessError(inst, db, -1, login)) {
      return {
        ok: false,
        error: new SqlError(4060, 1, 11, `Cannot open database "${requested}" requested by the login. The login failed.`).toMessage(),
      };
    }
    const session = new Session({
      instance: inst,
      services: this.services,
      login,
      database: db.name,
      hostName: request.hostName,
      programName: request.appName,
      connection: request.connection,
    });
    return { ok: true, session, database: db.name };
  }
}

export function loginFailed(userName: string): SqlError {
  return new SqlError(18456, 1, 14, `Login failed for user '${userName}'.`);
}
