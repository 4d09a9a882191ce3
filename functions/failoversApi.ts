// POST /api/failovers (function key): a person asks for a failover playbook by hand
// ({"link": "...", "type": "planned|forced|failback|offline-failback|cutover|split-brain-repair", "dryRun": false, "by": "..."});
// who asks is the signed-in principal behind App Service authentication, else `by` (self-declared).
// The same decision point as alerts and health decides (allowed types, cooldown, the link's state,
// the data-loss budget); the decision is stored and returned whatever it is.
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { badRequest, deciderOf, errorResponse, jsonObjectBody, ok } from '../shared/http';
import { invocationLogger } from '../shared/platform/logger';
import { getRuntime } from '../shared/runtime';
import { publicView } from './operationsApi';

const TYPES = ['planned', 'forced', 'failback', 'offline-failback', 'cutover', 'split-brain-repair'] as const;
type Type = (typeof TYPES)[number];
const EXAMPLE = '{"link": "Link_Sales", "type": "planned", "dryRun": true}';

export async function startFailover(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const json = await jsonObjectBody(request, EXAMPLE);
    if ('response' in json) return json.response;
    const { link, type, dryRun = false, keep, by, ...rest } = json.body;
    const unknown = Object.keys(rest);
    if (unknown.length) return badRequest(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; send for example ${EXAMPLE}`);
    if (typeof link !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(link)) return badRequest(`link must be the name of a link of the estate; send for example ${EXAMPLE}`);
    if (typeof type !== 'string' || !TYPES.includes(type as Type)) return badRequest(`type must be one of ${TYPES.join(', ')}`);
    if (typeof dryRun !== 'boolean') return badRequest('dryRun must be true or false');
    if (keep !== undefined && keep !== 'sqlServer' && keep !== 'managedInstance') return badRequest('keep (split-brain repair: the side that keeps the workload) must be sqlServer or managedInstance');
    if (by !== undefined && (typeof by !== 'string' || by.trim() === '' || by.length > 128)) return badRequest('by (who asks) must be a name of at most 128 characters');
    const who = deciderOf(request.headers, json.body) ?? { name: 'api', selfDeclared: true };
    const asker = who.selfDeclared ? `${who.name} (self-declared)` : who.name;
    const { failover } = await getRuntime();
    const r = await failover.intake(invocationLogger(context)).onSignal(link, { kind: 'manual', type: type as Type, dryRun, by: asker }, { keep: keep as 'sqlServer' | 'managedInstance' | undefined });
    if (!r.operation) {
      return { status: 409, jsonBody: { error: { code: 'FAILOVER_NOT_STARTED', message: r.decision.summary }, decision: r.decision } };
    }
    return ok({ decision: r.decision, operation: publicView(r.operation) }, 202);
  } catch (err) {
    return errorResponse(err);
  }
}

app.http('startFailover', { route: 'failovers', methods: ['POST'], authLevel: 'function', handler: startFailover });
