// What the tests of the app's HTTP functions on a link world (linkWorld.ts) share: the app's
// settings pointing its runtime at the world, set once the world runs and removed at the end with
// the runtime's SQL pools closed; and requests, a context and bodies as the Functions host gives them.
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { PASSWORD, type LinkWorld } from './linkWorld';

const SETTINGS = ['AzureWebJobsStorage', 'ESTATE_JSON', 'SQL_PASSWORD'];

/** The app's settings for the world: its storage, its estate (the world's own unless given), the SQL password. */
export function setAppSettings(world: LinkWorld, estateJson = world.estateJson): void {
  Object.assign(process.env, { AzureWebJobsStorage: world.azurite.connectionString, ESTATE_JSON: estateJson, SQL_PASSWORD: PASSWORD });
}

/** The end of a test file: the runtime's SQL pools closed, the settings removed, the world stopped. */
export async function stopAppAndWorld(world: LinkWorld | undefined): Promise<void> {
  const { getRuntime } = await import('../../shared/runtime');
  await (await getRuntime()).platform.sql.closeAll();
  for (const name of SETTINGS) delete process.env[name];
  await world?.stop();
}

export const context = (): InvocationContext => new InvocationContext({ functionName: 'test', logHandler: () => undefined });
export const get = (route: string, params: Record<string, string> = {}): HttpRequest => new HttpRequest({ method: 'GET', url: `http://127.0.0.1/api/${route}`, params });
export type Body = Record<string, unknown> & { error?: { code: string; message: string } };
export const json = (r: HttpResponseInit): Body => r.jsonBody as Body;
