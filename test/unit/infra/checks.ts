// The consistency checks between infra/ (Bicep read as text) and the code. Each takes the files
// as data and returns the problems it finds as sentences naming what is wrong, so a test can run
// it on the real files and on altered copies of them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as B from './bicepText';
import { deriveArmClientActions, deriveSdkAdapterActions, readAppSources, registrations, repoRoot, settingReads, type SourceFiles } from './codeScan';

export interface Repo {
  /** azure.yaml and every file under infra/ */
  infra: SourceFiles;
  /** functions/ and shared/ */
  code: SourceFiles;
}

export function readRepo(root = repoRoot): Repo {
  const infra: SourceFiles = {};
  if (existsSync(path.join(root, 'azure.yaml'))) infra['azure.yaml'] = readFileSync(path.join(root, 'azure.yaml'), 'utf8');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else infra[rel] = readFileSync(path.join(root, rel), 'utf8');
    }
  };
  if (existsSync(path.join(root, 'infra'))) walk('infra');
  return { infra, code: readAppSources(root) };
}

/** A copy of the repo with one file's text changed; throws when the text to change is not there. */
export function altered(repo: Repo, file: string, from: string | RegExp, to: string): Repo {
  const inInfra = file in repo.infra;
  const text = inInfra ? repo.infra[file] : repo.code[file];
  if (text === undefined) throw new Error(`no file ${file}`);
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`${String(from)} is not in ${file}`);
  return inInfra ? { ...repo, infra: { ...repo.infra, [file]: changed } } : { ...repo, code: { ...repo.code, [file]: changed } };
}

const bicepFiles = (repo: Repo): [string, string][] => Object.entries(repo.infra).filter(([f]) => f.endsWith('.bicep'));
const unquote = (v: string | undefined): string | undefined => (v && /^'[^']*'$/.test(v.trim()) ? v.trim().slice(1, -1) : undefined);
const lineOf = (text: string, index: number): number => text.slice(0, index).split('\n').length;

/** A value that is an array literal or the name of a variable holding one: its string items. */
function stringArray(value: string | undefined, source: string): string[] | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  const literal = v.startsWith('[') ? v : /^\w+$/.test(v) ? B.variable(source, v) : undefined;
  const items = literal?.trim().startsWith('[') ? B.inside(literal) : undefined;
  return items === undefined ? undefined : B.stringLiterals(items);
}

// ---- 1. app settings ------------------------------------------------------------------------------

interface OptionalSettings {
  optional?: Record<string, string>;
  platform?: Record<string, string>;
  mustNotBeSet?: Record<string, string>;
  dynamic?: { file: string; expression: string; how: string }[];
}

/** The app settings the Bicep sets: keys of the object literals behind the sites/config 'appsettings' resource. */
export function bicepAppSettings(repo: Repo): { names: Map<string, string>; keyVaultReferences: boolean } {
  const names = new Map<string, string>();
  let keyVaultReferences = false;
  for (const [file, text] of bicepFiles(repo)) {
    for (const r of B.resourcesOfType(text, 'Microsoft.Web/sites/config')) {
      const e = B.entries(r.body);
      if (unquote(e.get('name')) !== 'appsettings') continue;
      const props = e.get('properties') ?? '';
      const objectTexts: string[] = [];
      if (props.trim().startsWith('{')) objectTexts.push(B.inside(props) ?? '');
      for (const id of new Set(props.match(/\b[A-Za-z_]\w*\b/g) ?? [])) {
        const v = B.variable(text, id);
        if (v === undefined) continue;
        if (v.startsWith('{')) objectTexts.push(B.inside(v) ?? '');
        if (v.includes('@Microsoft.KeyVault(SecretUri=')) keyVaultReferences = true;
      }
      for (const o of objectTexts) for (const k of B.entries(o).keys()) names.set(k, file);
    }
  }
  return { names, keyVaultReferences };
}

export function checkAppSettings(repo: Repo): string[] {
  const problems: string[] = [];
  const { names: set, keyVaultReferences } = bicepAppSettings(repo);
  if (set.size === 0) return ['no app settings found: no Microsoft.Web/sites/config resource named appsettings in infra/'];
  const listFile = 'infra/optional-settings.json';
  const listed: OptionalSettings = repo.infra[listFile] ? (JSON.parse(repo.infra[listFile]) as OptionalSettings) : {};
  const optional = listed.optional ?? {};
  const platform = listed.platform ?? {};
  const mustNot = listed.mustNotBeSet ?? {};
  const reads = settingReads(repo.code);

  for (const [name, files] of reads.names) {
    const where = [...files].join(', ');
    if (name in mustNot) {
      if (set.has(name)) problems.push(`app setting ${name} must not be set in Azure (${mustNot[name]}), but ${set.get(name)} sets it`);
    } else if (name in platform) {
      if (set.has(name)) problems.push(`app setting ${name} is the platform's (${platform[name]}), but ${set.get(name)} sets it`);
    } else if (name in optional) {
      if (set.has(name)) problems.push(`app setting ${name} is listed as optional in ${listFile} but ${set.get(name)} sets it: remove it from the list`);
    } else if (!set.has(name)) {
      problems.push(`app setting ${name} is read by ${where} but is neither set in the Bicep app settings nor listed in ${listFile}`);
    }
  }
  for (const group of [optional, platform, mustNot]) {
    for (const name of Object.keys(group)) {
      if (!reads.names.has(name)) problems.push(`${listFile} lists app setting ${name}, which the code no longer reads`);
    }
  }
  const dynamicListed = listed.dynamic ?? [];
  for (const d of reads.dynamic) {
    if (!dynamicListed.some((l) => l.file === d.file && l.expression === d.expression)) {
      problems.push(`${d.file} reads settings[${d.expression}], an app setting named at run time: list it under "dynamic" in ${listFile} with how a deployment provides it`);
    }
  }
  for (const l of dynamicListed) {
    if (!reads.dynamic.some((d) => d.file === l.file && d.expression === l.expression)) {
      problems.push(`${listFile} lists settings[${l.expression}] in ${l.file}, which the code no longer reads`);
    }
  }
  if (reads.dynamic.length > 0 && !keyVaultReferences) {
    problems.push('the code reads app settings the estate names (SQL passwords, webhook URLs), but no app setting is a Key Vault reference (@Microsoft.KeyVault(SecretUri=...))');
  }
  return problems;
}

// ---- 2. functions named by Event Grid subscriptions and action groups ------------------------------

export function checkFunctionTargets(repo: Repo): string[] {
  const problems: string[] = [];
  const regs = registrations(repo.code);
  const describe = (name: string): string => {
    const r = regs.find((x) => x.name === name);
    return r ? ` (it is registered with app.${r.trigger}${r.route ? `, route '${r.route}'` : ''})` : '';
  };
  let subscriptions = 0;
  let receivers = 0;
  for (const [file, text] of bicepFiles(repo)) {
    const vars = B.stringVariables(text);
    for (const d of B.declarations(text)) {
      if (d.kind !== 'resource' || d.existing) continue;
      if (/\/eventSubscriptions$/i.test(d.type)) {
        subscriptions++;
        const destination = B.path(d.body, 'properties', 'destination');
        const dest = destination && B.inside(destination);
        const type = dest && unquote(B.entries(dest).get('endpointType'));
        if (type !== 'AzureFunction') {
          problems.push(`Event Grid subscription ${d.symbol} (${file}) does not deliver to a function (endpointType ${type ?? 'missing'}, not AzureFunction)`);
          continue;
        }
        const id = B.resolveString(B.path(dest ?? '', 'properties', 'resourceId') ?? '', vars);
        const fn = id && /\/functions\/([^/'$]+)$/.exec(id)?.[1];
        if (!fn) {
          problems.push(`Event Grid subscription ${d.symbol} (${file}): cannot tell which function its resourceId names (${id ?? 'none'})`);
        } else if (!regs.some((r) => r.trigger === 'eventGrid' && r.name === fn)) {
          problems.push(`Event Grid subscription ${d.symbol} (${file}) delivers to function ${fn}, but functions/ registers no app.eventGrid('${fn}', ...)${describe(fn)}`);
        }
      }
      if (d.type.toLowerCase() === 'microsoft.insights/actiongroups') {
        const props = B.inside(B.entries(d.body).get('properties') ?? '') ?? '';
        const functionReceivers = B.objects(B.inside(B.entries(props).get('azureFunctionReceivers') ?? '[]') ?? '');
        const webhookReceivers = B.objects(B.inside(B.entries(props).get('webhookReceivers') ?? '[]') ?? '');
        for (const rcv of [...functionReceivers, ...webhookReceivers]) {
          receivers++;
          const e = B.entries(rcv);
          const url = B.resolveString(e.get('httpTriggerUrl') ?? e.get('serviceUri') ?? '', vars) ?? '';
          const route = /\/api\/([^?'$]+)/.exec(url)?.[1];
          const fnValue = e.get('functionName');
          const fn = fnValue === undefined ? undefined : (vars.get(fnValue.trim()) ?? B.resolveString(fnValue, vars) ?? fnValue);
          const byRoute = regs.find((r) => r.trigger === 'http' && r.route === route);
          if (e.get('useCommonAlertSchema') !== 'true') problems.push(`action group ${d.symbol} (${file}) must use the common alert schema (useCommonAlertSchema: true): alertReceived parses only that`);
          if (fn !== undefined) {
            const reg = regs.find((r) => r.name === fn);
            if (!reg || reg.trigger !== 'http') {
              problems.push(`action group ${d.symbol} (${file}) calls function ${fn}, but functions/ registers no app.http('${fn}', ...)${describe(fn)}`);
              continue;
            }
            if (route !== reg.route) problems.push(`action group ${d.symbol} (${file}) posts to /api/${route ?? '(no route)'}, but function ${fn}'s route is '${reg.route ?? fn}'`);
            if (reg.methods && !reg.methods.includes('POST')) problems.push(`action group ${d.symbol} (${file}) posts to ${fn}, which does not accept POST`);
          } else if (!byRoute) {
            problems.push(`action group ${d.symbol} (${file}) posts to /api/${route ?? '(no route)'}, and no app.http function has that route`);
          }
        }
      }
    }
  }
  if (subscriptions === 0) problems.push('no Event Grid subscription in infra/ delivers backups to the app');
  if (receivers === 0) problems.push('no action group in infra/ calls the app');
  return problems;
}

// ---- 3. ARM actions: the custom roles against the code ------------------------------------------------

/** Which Microsoft.Sql operation-status families ARM uses for a resource type's long-running operations. */
export const OPERATION_STATUS_FAMILIES: Record<string, string[]> = {
  'Microsoft.Sql/managedInstances/distributedAvailabilityGroups': ['distributedAvailabilityGroups'],
  'Microsoft.Sql/managedInstances/databases': ['managedDatabase', 'managedDatabaseRestore'],
};

/** Azure RBAC's matching: `*` stands for anything. */
const covers = (granted: string, action: string): boolean =>
  new RegExp(`^${granted.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i').test(action);

export interface CustomRole {
  file: string;
  symbol: string;
  actions: string[];
}

export function customRoles(repo: Repo): CustomRole[] {
  const out: CustomRole[] = [];
  for (const [file, text] of bicepFiles(repo)) {
    for (const r of B.resourcesOfType(text, 'Microsoft.Authorization/roleDefinitions')) {
      const permissions = B.inside(B.path(r.body, 'properties', 'permissions') ?? '') ?? '';
      const actions = B.objects(permissions).flatMap((p) => stringArray(B.entries(p).get('actions'), text) ?? []);
      out.push({ file, symbol: r.symbol, actions });
    }
  }
  return out;
}

export function checkArmRoles(repo: Repo, resultTypeOf: (kind: string) => string): string[] {
  const problems: string[] = [];
  const roles = customRoles(repo);
  const derived = deriveArmClientActions(repo.code, resultTypeOf);

  // on the managed instance: exactly the Microsoft.Sql/managedInstances/... actions the code calls
  const miRole = roles.find((r) => r.actions.some((a) => a.startsWith('Microsoft.Sql/managedInstances/')));
  if (!miRole) {
    problems.push('no custom role in infra/ grants Microsoft.Sql/managedInstances/... actions: the app cannot reach its managed instances');
  } else {
    for (const action of derived.resourceActions) {
      if (!miRole.actions.includes(action)) {
        const via = derived.calls.filter((c) => c.action === action).map((c) => `${c.where}: ${c.method} ${c.path}`);
        problems.push(`custom role ${miRole.symbol} (${miRole.file}) lacks ${action}, which the code calls (${via.join('; ')})`);
      }
    }
    for (const action of miRole.actions) {
      if (action.includes('*')) problems.push(`custom role ${miRole.symbol} (${miRole.file}) grants the wildcard ${action}: list the actions the code calls instead`);
      else if (!derived.resourceActions.has(action)) problems.push(`custom role ${miRole.symbol} (${miRole.file}) grants ${action}, which no code path calls (least privilege: remove it)`);
    }
  }

  // the status of the long-running operations the app polls
  const statusRole = roles.find((r) => r.actions.length > 0 && r.actions.every((a) => a.startsWith('Microsoft.Sql/locations/')));
  const required = [...derived.polledTypes].flatMap((type) => {
    const families = OPERATION_STATUS_FAMILIES[type];
    if (!families) {
      problems.push(`the app polls long-running operations on ${type}, whose operation-status family is not known here: add it to OPERATION_STATUS_FAMILIES and the status role`);
      return [];
    }
    return families.flatMap((f) => [`Microsoft.Sql/locations/${f}AzureAsyncOperation/read`, `Microsoft.Sql/locations/${f}OperationResults/read`]);
  });
  if (required.length > 0 && !statusRole) problems.push(`no custom role lets the app read the status of its long-running operations (${required.join(', ')})`);
  if (statusRole) {
    for (const action of required) {
      if (!statusRole.actions.some((g) => covers(g, action))) problems.push(`custom role ${statusRole.symbol} (${statusRole.file}) lacks ${action}: the app polls that operation status`);
    }
    for (const action of statusRole.actions) {
      if (!action.endsWith('/read')) problems.push(`custom role ${statusRole.symbol} (${statusRole.file}) grants ${action}: the status role may only read`);
      else if (!action.includes('*') && !required.includes(action)) problems.push(`custom role ${statusRole.symbol} (${statusRole.file}) grants ${action}, which the app never polls`);
    }
  }

  // the Private DNS CNAME adapter
  const dnsFile = 'shared/redirect/privateDnsCname.ts';
  if (repo.code[dnsFile]) {
    const dnsCalls = deriveSdkAdapterActions(dnsFile, repo.code[dnsFile], '@azure/arm-privatedns');
    const dnsActions = new Set(dnsCalls.map((c) => c.action));
    const dnsRole = roles.find((r) => r.actions.some((a) => a.startsWith('Microsoft.Network/privateDnsZones/')));
    if (!dnsRole) {
      problems.push(`no custom role grants ${[...dnsActions].join(', ')}, which ${dnsFile} calls`);
    } else {
      for (const action of dnsActions) if (!dnsRole.actions.includes(action)) problems.push(`custom role ${dnsRole.symbol} (${dnsRole.file}) lacks ${action}, which ${dnsFile} calls`);
      for (const action of dnsRole.actions) if (!dnsActions.has(action)) problems.push(`custom role ${dnsRole.symbol} (${dnsRole.file}) grants ${action}, which ${dnsFile} never calls`);
    }
  }
  return problems;
}

// ---- 4. no secret literal ---------------------------------------------------------------------------

const SECRET_PATTERNS: { re: RegExp; what: string; allow?: (value: string) => boolean }[] = [
  { re: /AccountKey\s*=/gi, what: 'a storage account key (AccountKey=)' },
  { re: /SharedAccessSignature\s*=/gi, what: 'a SAS connection string (SharedAccessSignature=)' },
  { re: /\bsig=(?!\$\{)[A-Za-z0-9%+/=]{6,}/gi, what: 'a SAS signature (sig=)' },
  { re: /DefaultEndpointsProtocol=/gi, what: 'a storage connection string (DefaultEndpointsProtocol=)' },
  { re: /SharedAccessKey(Name)?\s*=/gi, what: 'a connection string with a shared access key' },
  { re: /[?&]code=(?!\$\{)[A-Za-z0-9_\-=]{10,}/g, what: 'a function key in a URL (code=)' },
  { re: /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./g, what: 'a bearer token (JWT)' },
  { re: /@secure\(\)\s*param\s+\w+\s+\w+\s*=\s*'[^']+'/g, what: 'a default value for a @secure() parameter' },
  // key = 'value' where the key says password/secret/token, unless the value is a placeholder (<...>),
  // a GUID (role ids), an ALL_CAPS app setting name (passwordSetting: 'SQL_PASSWORD'), a Key Vault
  // reference or an interpolation
  {
    re: /\b\w*(?:password|passwd|pwd|secret|api_?key|access_?key|client_?secret|token)\w*['"]?\s*[:=]\s*['"]([^'"\n]{6,})['"]/gi,
    what: 'a literal that looks like a password or secret',
    allow: (value) =>
      /^<[^>]*>$/.test(value) ||
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value) ||
      /^[A-Z][A-Z0-9_]*$/.test(value) ||
      value.startsWith('@Microsoft.KeyVault(') ||
      value.includes('${') ||
      /\s/.test(value),
  },
];

export function checkNoSecrets(repo: Repo): string[] {
  const problems: string[] = [];
  for (const [file, text] of Object.entries(repo.infra)) {
    for (const { re, what, allow } of SECRET_PATTERNS) {
      for (const m of text.matchAll(re)) if (!allow?.(m[1] ?? '')) problems.push(`${file}:${lineOf(text, m.index ?? 0)}: ${what}: ${m[0].slice(0, 24)}…`);
    }
    // long base64 runs ending in padding: what account keys and shared keys look like
    for (const m of text.matchAll(/[A-Za-z0-9+/]{40,}={1,2}/g)) {
      if (/[0-9]/.test(m[0]) && /[a-z]/.test(m[0]) && /[A-Z]/.test(m[0])) problems.push(`${file}:${lineOf(text, m.index ?? 0)}: a key-like base64 literal: ${m[0].slice(0, 12)}…`);
    }
    // listKeys on anything but the function app's own host keys (those end in the action group, not in a literal)
    for (const m of text.matchAll(/\blistKeys\s*\(/g)) {
      const open = (m.index ?? 0) + m[0].length - 1;
      const call = text.slice(open, B.matchBracket(text, open) + 1);
      if (!/\/host\/default|\/functions\//.test(call)) problems.push(`${file}:${lineOf(text, m.index ?? 0)}: listKeys${call}: keys of something other than the function app's host (storage keys must not be used)`);
    }
  }
  return problems;
}

// ---- 5. role assignments are deterministic -----------------------------------------------------------

export function checkRoleAssignments(repo: Repo): string[] {
  const problems: string[] = [];
  let count = 0;
  for (const [file, text] of bicepFiles(repo)) {
    for (const r of B.resourcesOfType(text, 'Microsoft.Authorization/roleAssignments')) {
      count++;
      const e = B.entries(r.body);
      const name = e.get('name');
      const label = `role assignment ${r.symbol} (${file})`;
      if (!name || !/^guid\s*\(/.test(name)) {
        problems.push(`${label} is named ${name ?? '(nothing)'}, not guid(scope, principal, role): a re-deployment would not find it again`);
        continue;
      }
      const args = B.callArguments(name, 'guid') ?? [];
      if (/\b(utcNow|newGuid)\s*\(/.test(name)) problems.push(`${label} is named ${name}, which changes at every deployment`);
      if (args.length < 3) problems.push(`${label} is named ${name}: guid() needs the scope, the principal and the role`);
      const props = B.entries(B.inside(e.get('properties') ?? '') ?? '');
      const principal = props.get('principalId') ?? '';
      const role = props.get('roleDefinitionId') ?? '';
      const runtimePrincipal = /^(\w+)\.identity\.principalId$/.exec(principal);
      if (!args.includes(principal) && !(runtimePrincipal && args.includes(`${runtimePrincipal[1]}.id`))) {
        problems.push(`${label} is named ${name}, which does not include its principal (${principal || 'none'})`);
      }
      if (!role || !args.some((a) => role.includes(a))) problems.push(`${label} is named ${name}, which does not include its role (${role || 'none'})`);
      const scope = e.get('scope');
      const scopeIds = scope ? [`${scope}.id`] : ['subscription().id', 'resourceGroup().id'];
      if (!args.some((a) => scopeIds.includes(a))) problems.push(`${label} is named ${name}, which does not include its scope (${scopeIds.join(' or ')})`);
    }
  }
  if (count === 0) problems.push('no role assignment found in infra/');
  return problems;
}

// ---- 6. the Event Grid filter matches what the code accepts -------------------------------------------

export function checkBlobEventFilter(repo: Repo, committedApis: readonly string[], eventType: string): string[] {
  const problems: string[] = [];
  for (const [file, text] of bicepFiles(repo)) {
    const vars = B.stringVariables(text);
    for (const d of B.resourcesOfType(text, 'Microsoft.EventGrid/systemTopics/eventSubscriptions')) {
      const label = `Event Grid subscription ${d.symbol} (${file})`;
      const props = B.inside(B.entries(d.body).get('properties') ?? '') ?? '';
      const filter = B.entries(B.inside(B.entries(props).get('filter') ?? '') ?? '');
      const types = stringArray(filter.get('includedEventTypes'), text) ?? [];
      if (types.length !== 1 || types[0] !== eventType) problems.push(`${label} must deliver only ${eventType}, not [${types.join(', ')}]`);
      const subject = B.resolveString(filter.get('subjectBeginsWith') ?? '', vars);
      if (!subject || !/^\/blobServices\/default\/containers\/[^/]+\//.test(subject)) {
        problems.push(`${label} must filter on the backups container (subjectBeginsWith '/blobServices/default/containers/<container>/'), not ${subject ?? 'nothing'}`);
      }
      const apiFilter = B.objects(B.inside(filter.get('advancedFilters') ?? '[]') ?? '').find((f) => unquote(B.entries(f).get('key')) === 'data.api');
      if (!apiFilter) {
        problems.push(`${label} has no advanced filter on data.api: uncommitted blobs (${committedApis.join(', ')} are the committed APIs) would wake the function`);
      } else {
        const f = B.entries(apiFilter);
        if (unquote(f.get('operatorType')) !== 'StringIn') problems.push(`${label}: the data.api filter must be StringIn`);
        const values = stringArray(f.get('values'), text) ?? [];
        const missing = committedApis.filter((a) => !values.includes(a));
        const extra = values.filter((v) => !committedApis.includes(v));
        if (missing.length > 0) problems.push(`${label}: the data.api filter leaves out ${missing.join(', ')}, which shared/events/blobCreated.ts accepts (COMMITTED_APIS)`);
        if (extra.length > 0) problems.push(`${label}: the data.api filter lets through ${extra.join(', ')}, which shared/events/blobCreated.ts ignores`);
      }
      const retry = B.entries(B.inside(B.entries(props).get('retryPolicy') ?? '') ?? '');
      if (!retry.has('maxDeliveryAttempts') || !retry.has('eventTimeToLiveInMinutes')) problems.push(`${label} has no retry policy (maxDeliveryAttempts, eventTimeToLiveInMinutes)`);
      if (!B.entries(props).has('deadLetterWithResourceIdentity') && !B.entries(props).has('deadLetterDestination')) problems.push(`${label} has no dead-letter destination`);
    }
  }
  return problems;
}

// ---- 7. keyless -----------------------------------------------------------------------------------------

export function checkKeyless(repo: Repo): string[] {
  const problems: string[] = [];
  const expect = (type: string, key: string, value: string, why: string): void => {
    for (const [file, text] of bicepFiles(repo)) {
      for (const r of B.resourcesOfType(text, type)) {
        if (B.path(r.body, 'properties', key) !== value) problems.push(`${type} ${r.symbol} (${file}) must set ${key}: ${value} (${why})`);
      }
    }
  };
  expect('Microsoft.Storage/storageAccounts', 'allowSharedKeyAccess', 'false', 'Entra ID only, no account keys');
  expect('Microsoft.EventGrid/topics', 'disableLocalAuth', 'true', 'publishers use Entra ID');
  expect('Microsoft.Insights/components', 'DisableLocalAuth', 'true', 'telemetry with Entra ID');
  expect('Microsoft.KeyVault/vaults', 'enableRbacAuthorization', 'true', 'RBAC, no access policies');
  const { names } = bicepAppSettings(repo);
  if (names.has('AzureWebJobsStorage')) problems.push(`${names.get('AzureWebJobsStorage')} sets AzureWebJobsStorage (a connection string, with a key): use the identity-based AzureWebJobsStorage__* settings`);
  if (names.get('AzureWebJobsStorage__credential') === undefined) problems.push('the app settings lack AzureWebJobsStorage__credential: managedidentity');
  return problems;
}

// ---- 8. built-in roles: the right ids, nothing broad ------------------------------------------------------

/** Built-in role ids (the same in every Azure cloud). */
export const BUILT_IN_ROLES: Record<string, string> = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
};

const BROAD_ROLES: Record<string, string> = {
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
  '17d1049b-9a84-46fb-8f53-869881c3d3ab': 'Storage Account Contributor (lists account keys)',
  '81a9662b-bebf-436f-a333-f67b29880f12': 'Storage Account Key Operator Service Role',
  '4d97b98b-1d4f-4787-a291-c67834d212e7': 'Network Contributor',
  '4939a1f6-9ae0-4e48-a1e0-f2cbe897382d': 'SQL Managed Instance Contributor',
  '9b7fa17d-e63e-47b0-bb0a-15c516ac86ec': 'SQL DB Contributor',
  'b12aa53e-6015-4669-85d0-8515ebb3ae7f': 'Private DNS Zone Contributor (the CNAME role is enough)',
};

export function checkBuiltInRoles(repo: Repo): string[] {
  const problems: string[] = [];
  const file = 'infra/builtin-roles.json';
  const table = repo.infra[file] ? (JSON.parse(repo.infra[file]) as Record<string, string>) : {};
  for (const [key, id] of Object.entries(table)) {
    if (key.startsWith('$')) continue;
    if (!(key in BUILT_IN_ROLES)) problems.push(`${file}: ${key} is not a role this check knows; add its id to BUILT_IN_ROLES after checking it`);
    else if (BUILT_IN_ROLES[key] !== id) problems.push(`${file}: ${key} is ${id}, but that role's id is ${BUILT_IN_ROLES[key]}`);
  }
  for (const [f, text] of Object.entries(repo.infra)) {
    for (const [id, name] of Object.entries(BROAD_ROLES)) if (text.toLowerCase().includes(id)) problems.push(`${f} uses the broad role ${name} (${id})`);
    if (!f.endsWith('.bicep')) continue;
    for (const m of B.stripComments(text).matchAll(/(?<![\w-])roles\.(\w+)/g)) if (!(m[1] in table)) problems.push(`${f} uses roles.${m[1]}, which ${file} does not define`);
    for (const m of text.matchAll(/loadJsonContent\('([^']+)'\)/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(f), m[1]));
      if (!(target in repo.infra)) problems.push(`${f} loads ${m[1]} (${target}), which does not exist`);
    }
  }
  return problems;
}

// ---- 9. what a compiler would catch first: modules, parameters, outputs -----------------------------------

export function checkWiring(repo: Repo): string[] {
  const problems: string[] = [];
  for (const [file, text] of bicepFiles(repo)) {
    const stripped = B.stripComments(text);
    for (const d of B.declarations(text).filter((x) => x.kind === 'module')) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), d.type));
      const moduleText = repo.infra[target];
      if (moduleText === undefined) {
        problems.push(`${file}: module ${d.symbol} points to ${d.type}, which does not exist`);
        continue;
      }
      const declared = B.params(moduleText);
      const passed = [...B.entries(B.inside(B.entries(d.body).get('params') ?? '{}') ?? '').keys()];
      for (const p of passed) if (!declared.some((x) => x.name === p)) problems.push(`${file}: module ${d.symbol} passes ${p}, which ${target} does not declare`);
      for (const p of declared) if (!p.hasDefault && !passed.includes(p.name)) problems.push(`${file}: module ${d.symbol} does not pass ${p.name}, which ${target} requires`);
      const outs = B.outputs(moduleText);
      for (const m of stripped.matchAll(new RegExp(`\\b${d.symbol}(?:\\[[^\\]]*\\])?\\.outputs\\.(\\w+)`, 'g'))) {
        if (!outs.includes(m[1])) problems.push(`${file}: ${d.symbol}.outputs.${m[1]} is not an output of ${target}`);
      }
    }
  }
  const main = repo.infra['infra/main.bicep'];
  const parameters = repo.infra['infra/main.parameters.json'];
  if (main && parameters) {
    const declared = B.params(main);
    const given = Object.keys((JSON.parse(parameters) as { parameters: Record<string, unknown> }).parameters);
    for (const p of given) if (!declared.some((x) => x.name === p)) problems.push(`infra/main.parameters.json sets ${p}, which infra/main.bicep does not declare`);
    for (const p of declared) if (!p.hasDefault && !given.includes(p.name)) problems.push(`infra/main.parameters.json does not set ${p.name}, which infra/main.bicep requires`);
  }
  const yaml = repo.infra['azure.yaml'] ?? '';
  for (const m of yaml.matchAll(/run:\s*(\.\/\S+)/g)) {
    const target = path.posix.normalize(m[1]);
    if (!(target in repo.infra)) problems.push(`azure.yaml runs ${m[1]}, which does not exist`);
  }
  // azd deploys a service to the resource tagged azd-service-name: <service>
  const services = /^services:\n((?:[ \t]+.*\n|\n)+)/m.exec(yaml)?.[1] ?? '';
  const tagged = new Set(bicepFiles(repo).flatMap(([, text]) => [...text.matchAll(/'azd-service-name':\s*'([^']+)'/g)].map((m) => m[1])));
  for (const m of services.matchAll(/^ {2}([\w-]+):\n((?: {4}.*\n)+)/gm)) {
    if (/^\s+host:\s*function\b/m.test(m[2]) && !tagged.has(m[1])) problems.push(`azure.yaml deploys service ${m[1]} to a function app, but no Bicep resource is tagged 'azd-service-name': '${m[1]}'`);
  }
  if (!/^ {2}[\w-]+:\n(?: {4}.*\n)*? {4}host:\s*function\b/m.test(services)) problems.push('azure.yaml has no service with host: function');
  // the flag the hooks flip is the one main.parameters.json feeds to wireFunctions
  const wire = parameters ? /"wireFunctions":\s*\{\s*"value":\s*"\$\{(\w+)/.exec(parameters)?.[1] : undefined;
  if (!wire) problems.push('infra/main.parameters.json does not feed wireFunctions from an environment variable');
  else {
    for (const f of ['azure.yaml', 'infra/hooks/postdeploy.sh', 'infra/hooks/postdeploy.ps1']) {
      if (!new RegExp(`\\b${wire}\\b`).test(repo.infra[f] ?? '')) problems.push(`${f} does not set ${wire}, the environment variable main.parameters.json feeds to wireFunctions`);
    }
  }
  return problems;
}
