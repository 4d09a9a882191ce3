// The EngineEndpoint a TdsServer serves for one instance: SQL authentication, the login database,
// and the connection-level faults (instance down, refused logins).
import { SqlError } from '../sqlError';
import type { EngineEndpoint, LoginRequest, LoginResult } from '../tds/types';
import { accessError } from './access';
import type { EmulatedInstance } from './instance';
import type { EngineServices } from './services';
import { Session } from './session';
import { versionBytes } from './versions';

export class InstanceEndpoint implements EngineEndpoint {
  readonly serverName: string;
  readonly versionBytes: [number, number, number, number];

  constructor(
    readonly instance: EmulatedInstance,
    readonly services: EngineServices,
  ) {
    this.serverName = instance.serverName;
    this.versionBytes = versionBytes(instance.product);
  }

  acceptConnections(): boolean {
    return !this.instance.faultSwitches.isDown();
  }

  async login(request: LoginRequest): Promise<LoginResult> {
    const inst = this.instance;
    const requested = request.database || 'master';
    const refused = inst.faultSwitches.loginError(request.userName, requested, { serverName: inst.serverName, spid: 0 });
    if (refused) return { ok: false, error: refused.toMessage() };
    const login = inst.findLogin(request.userName);
    if (!login || login.password !== request.password || inst.faultSwitches.isDown()) {
      return { ok: false, error: loginFailed(request.userName).toMessage() };
    }
    const db = inst.findDatabase(requested);
    if (!db || accessError(inst, db, -1)) {
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
    });
    return { ok: true, session, database: db.name };
  }
}

export function loginFailed(userName: string): SqlError {
  return new SqlError(18456, 1, 14, `Login failed for user '${userName}'.`);
}
