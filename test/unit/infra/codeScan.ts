// What the app's code needs from its deployment, read from the code itself (TypeScript syntax
// trees, not regexes): the app settings it reads, the functions it registers, and the ARM actions
// it calls (paths and HTTP methods in shared/arm/client.ts and the Azure SDK operations it uses,
// whose paths come from the SDK packages' own operation specs).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** relative path (forward slashes) -> file text */
export type SourceFiles = Record<string, string>;

export const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** The deployed code: functions/*.ts and shared/**\/*.ts (not emulator/, local/, bench/, test/). */
export function readAppSources(root = repoRoot): SourceFiles {
  const out: SourceFiles = {};
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out[rel] = readFileSync(path.join(root, rel), 'utf8');
    }
  };
  walk('functions');
  walk('shared');
  return out;
}

const parse = (file: string, text: string): ts.SourceFile => ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  node.forEachChild((c) => walk(c, visit));
}

// ---- app settings -------------------------------------------------------------------------------

export interface DynamicRead {
  file: string;
  /** the expression inside settings[...] */
  expression: string;
}

export interface SettingReads {
  /** setting name -> files that read it */
  names: Map<string, Set<string>>;
  /** settings[...] whose name comes from the estate or a caller, not from the code */
  dynamic: DynamicRead[];
}

/** Names that look like app settings (ALL_CAPS, or the platform's mixed-case families). */
const looksLikeSetting = (name: string): boolean => /^[A-Z][A-Z0-9_]*$/.test(name) || /^(AzureWebJobs|AzureFunctionsJobHost__|WEBSITE_|FUNCTIONS_|APPLICATIONINSIGHTS_)/.test(name);

/** The receiver is the settings record: `settings`, `x.settings`, `process.env`. */
const isSettingsReceiver = (expr: ts.Expression): boolean => {
  const text = expr.getText().replace(/\s+/g, '');
  return /(^|\.)settings$/.test(text) || text === 'process.env';
};

type FunctionLike = ts.FunctionDeclaration | ts.MethodDeclaration | ts.ArrowFunction | ts.FunctionExpression;

function enclosingFunction(node: ts.Node): FunctionLike | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n)) return n;
  }
  return undefined;
}

function functionName(fn: FunctionLike): string | undefined {
  if ((ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn)) && fn.name) return fn.name.getText();
  if (fn.parent && ts.isVariableDeclaration(fn.parent)) return fn.parent.name.getText();
  return undefined;
}

/**
 * What a parameter of the enclosing function holds, when the code decides it: its default
 * (`name = 'AzureWebJobsStorage'`) and every literal a call of that function in the same file
 * passes (`seconds(settings, 'OPS_LEASE_SECONDS')`). Empty when the value comes from elsewhere.
 */
function literalParameterValues(file: ts.SourceFile, fn: FunctionLike, param: string): string[] {
  const index = fn.parameters.findIndex((p) => p.name.getText() === param);
  if (index < 0) return [];
  const out: string[] = [];
  const init = fn.parameters[index].initializer;
  if (init && ts.isStringLiteralLike(init)) out.push(init.text);
  const name = functionName(fn);
  if (name) {
    walk(file, (n) => {
      if (ts.isCallExpression(n) && n.expression.getText() === name) {
        const arg = n.arguments[index];
        if (arg && ts.isStringLiteralLike(arg)) out.push(arg.text);
      }
    });
  }
  return out;
}

/**
 * What a parameter of a helper holds when other files decide it: the literals that calls of it in
 * the files importing it pass (`wholeNumberSetting(settings, 'RESTORE_POLL_MS', …)`), each with the
 * calling file, which is the one that reads the setting. Empty when no importer passes a literal.
 */
function literalArgumentsOfImporters(files: Map<string, ts.SourceFile>, home: string, fn: FunctionLike, param: string): Array<{ file: string; value: string }> {
  const index = fn.parameters.findIndex((p) => p.name.getText() === param);
  const name = functionName(fn);
  if (index < 0 || !name) return [];
  const homeModule = home.replace(/\.ts$/, '');
  const homeModules = new Set([homeModule, homeModule.replace(/\/index$/, '')]);
  const out: Array<{ file: string; value: string }> = [];
  for (const [file, sf] of files) {
    if (file === home) continue;
    // the names this file imports the helper under, from the helper's own module
    const locals = new Set<string>();
    for (const statement of sf.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier) || !statement.moduleSpecifier.text.startsWith('.')) continue;
      if (!homeModules.has(path.posix.join(path.posix.dirname(file), statement.moduleSpecifier.text))) continue;
      const bindings = statement.importClause?.namedBindings;
      if (!bindings || !ts.isNamedImports(bindings)) continue;
      for (const element of bindings.elements) if ((element.propertyName ?? element.name).text === name) locals.add(element.name.text);
    }
    if (locals.size === 0) continue;
    walk(sf, (n) => {
      if (!ts.isCallExpression(n) || !ts.isIdentifier(n.expression) || !locals.has(n.expression.text)) return;
      const arg = n.arguments[index];
      if (arg && ts.isStringLiteralLike(arg)) out.push({ file, value: arg.text });
    });
  }
  return out;
}

export function settingReads(sources: SourceFiles): SettingReads {
  const names = new Map<string, Set<string>>();
  const dynamic: DynamicRead[] = [];
  const add = (name: string, file: string): void => {
    if (!looksLikeSetting(name)) return;
    if (!names.has(name)) names.set(name, new Set());
    names.get(name)?.add(file);
  };
  const files = new Map(Object.entries(sources).map(([file, text]) => [file, parse(file, text)]));
  for (const [file, sf] of files) {
    walk(sf, (n) => {
      if (ts.isPropertyAccessExpression(n) && isSettingsReceiver(n.expression)) add(n.name.text, file);
      if (!ts.isElementAccessExpression(n) || !isSettingsReceiver(n.expression)) return;
      const arg = n.argumentExpression;
      if (ts.isStringLiteralLike(arg)) {
        add(arg.text, file);
        return;
      }
      const fn = enclosingFunction(n);
      if (ts.isIdentifier(arg) && fn) {
        const values = literalParameterValues(sf, fn, arg.text);
        if (values.length > 0) {
          values.forEach((v) => add(v, file));
          return;
        }
        const elsewhere = literalArgumentsOfImporters(files, file, fn, arg.text);
        if (elsewhere.length > 0) {
          elsewhere.forEach((r) => add(r.value, r.file));
          return;
        }
      }
      if (ts.isTemplateExpression(arg) && fn) {
        // `${name}__accountName` with name decided by the code
        let variants = [arg.head.text];
        let resolved = true;
        for (const span of arg.templateSpans) {
          const values = ts.isIdentifier(span.expression) ? literalParameterValues(sf, fn, span.expression.text) : [];
          if (values.length === 0) resolved = false;
          variants = variants.flatMap((prefix) => values.map((v) => `${prefix}${v}${span.literal.text}`));
        }
        if (resolved) {
          variants.forEach((v) => add(v, file));
          return;
        }
      }
      dynamic.push({ file, expression: arg.getText() });
    });
  }
  return { names, dynamic };
}

// ---- functions ----------------------------------------------------------------------------------

export interface Registration {
  file: string;
  /** app.http, app.eventGrid, app.timer, app.storageQueue, ... */
  trigger: string;
  name: string;
  route?: string;
  methods?: string[];
  authLevel?: string;
}

export function registrations(sources: SourceFiles): Registration[] {
  const out: Registration[] = [];
  for (const [file, text] of Object.entries(sources)) {
    if (!file.startsWith('functions/')) continue;
    walk(parse(file, text), (n) => {
      if (!ts.isCallExpression(n) || !ts.isPropertyAccessExpression(n.expression) || n.expression.expression.getText() !== 'app') return;
      const [nameArg, options] = n.arguments;
      if (!nameArg || !ts.isStringLiteralLike(nameArg)) return;
      const reg: Registration = { file, trigger: n.expression.name.text, name: nameArg.text };
      if (options && ts.isObjectLiteralExpression(options)) {
        for (const p of options.properties) {
          if (!ts.isPropertyAssignment(p)) continue;
          const key = p.name.getText();
          if (key === 'route' && ts.isStringLiteralLike(p.initializer)) reg.route = p.initializer.text;
          if (key === 'authLevel' && ts.isStringLiteralLike(p.initializer)) reg.authLevel = p.initializer.text;
          if (key === 'methods' && ts.isArrayLiteralExpression(p.initializer)) {
            reg.methods = p.initializer.elements.filter(ts.isStringLiteralLike).map((e) => e.text);
          }
        }
      }
      out.push(reg);
    });
  }
  return out;
}

// ---- ARM actions --------------------------------------------------------------------------------

export type HttpMethod = 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';

/** `Microsoft.Sql/managedInstances/{}/databases/{}/restoreDetails/Default` + GET -> its RBAC action. */
export function actionOf(method: HttpMethod, armPath: string): string | undefined {
  const at = armPath.indexOf('/providers/');
  if (at < 0) return undefined;
  const [namespace, ...segments] = armPath
    .slice(at + '/providers/'.length)
    .split('?')[0]
    .split('/')
    .filter((s) => s.length > 0);
  // segments alternate resource type and name; an odd last one is a collection or an action
  const types: string[] = [];
  for (let i = 0; i < segments.length; i += 2) types.push(segments[i]);
  const unpaired = segments.length % 2 === 1;
  if (method === 'POST' && unpaired) {
    const action = types.pop();
    return `${namespace}/${types.join('/')}/${action}/action`;
  }
  const verb = { GET: 'read', PUT: 'write', PATCH: 'write', DELETE: 'delete', POST: 'action' }[method];
  return `${namespace}/${types.join('/')}/${verb}`;
}

/** The resource type of an ARM path: `Microsoft.Sql/managedInstances/databases`. */
export function resourceTypeOf(armPath: string): string | undefined {
  const action = actionOf('GET', armPath);
  return action?.replace(/\/read$/, '');
}

function packageRoot(name: string): string {
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === name) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the package root of ${name}`);
    dir = up;
  }
}

/** The package has an operation group of that name (autorest or TypeSpec layout). */
export function sdkHasGroup(pkg: string, group: string): boolean {
  const root = packageRoot(pkg);
  return existsSync(path.join(root, 'dist-esm', 'src', 'operations', `${group}.js`)) || existsSync(path.join(root, 'dist', 'commonjs', 'api', group, 'operations.js'));
}

export interface SdkOperation {
  method: HttpMethod;
  path: string;
  /** the public method's parameter names, in order */
  params: string[];
}

/**
 * An SDK operation's HTTP method and path template, read from the package's own code: autorest
 * packages (@azure/arm-sql: `const getOperationSpec = { path, httpMethod }`) and TypeSpec packages
 * (@azure/arm-privatedns: `function _getSend(context, ...) { ... context.path(path).get(` ).
 */
export function sdkOperation(pkg: string, group: string, op: string): SdkOperation | undefined {
  const root = packageRoot(pkg);
  const bare = op.replace(/^begin/, '').replace(/AndWait$/, '');
  const specName = bare.charAt(0).toLowerCase() + bare.slice(1);
  const autorest = path.join(root, 'dist-esm', 'src', 'operations', `${group}.js`);
  if (existsSync(autorest)) {
    const text = readFileSync(autorest, 'utf8');
    const spec = new RegExp(`const ${specName}OperationSpec = \\{\\s*path: "([^"]+)",\\s*httpMethod: "(\\w+)"`).exec(text);
    const signature = new RegExp(`\\n\\s+${op}\\(([^)]*)\\)\\s*\\{`).exec(text);
    if (!spec) return undefined;
    return { method: spec[2] as HttpMethod, path: spec[1], params: (signature?.[1] ?? '').split(',').map((p) => p.trim()).filter(Boolean) };
  }
  const typespec = path.join(root, 'dist', 'commonjs', 'api', group, 'operations.js');
  if (existsSync(typespec)) {
    const text = readFileSync(typespec, 'utf8');
    const fn = new RegExp(`function _\\$?${specName}Send\\(([^)]*)\\)\\s*\\{([\\s\\S]*?)\\n\\}`).exec(text);
    if (!fn) return undefined;
    const template = /"(\/subscriptions\/[^"]+)"/.exec(fn[2]);
    const method = /\.path\(path\)\.(get|put|patch|delete|post)\(/.exec(fn[2]);
    if (!template || !method) return undefined;
    const params = fn[1]
      .split(',')
      .map((p) => p.replace(/=.*$/, '').trim())
      .filter((p) => p && p !== 'context');
    return { method: method[1].toUpperCase() as HttpMethod, path: template[1], params };
  }
  return undefined;
}

/** The SDK path with `{param}` placeholders filled from the call's string literals, the rest `{}`. */
function fillSdkPath(op: SdkOperation, args: readonly ts.Expression[]): string {
  return op.path
    .replace(/\{\?[^}]*\}/g, '')
    .replace(/\{\+?(\w+)\}/g, (_whole, name: string) => {
      const arg = args[op.params.indexOf(name)];
      return arg && ts.isStringLiteralLike(arg) ? arg.text : '{}';
    });
}

export interface ArmCall {
  /** where: Class.method, or file for SDK adapters */
  where: string;
  method: HttpMethod;
  path: string;
  action: string;
}

export interface ArmDerivation {
  calls: ArmCall[];
  /** RBAC actions on the resources (Microsoft.Sql/managedInstances/...) */
  resourceActions: Set<string>;
  /** resource types whose long-running operations the app polls (operation-status reads) */
  polledTypes: Set<string>;
  /** ArmClient methods the app calls (the rest are never reached) */
  reachable: Set<string>;
}

const CLIENT_FILE = 'shared/arm/client.ts';

/**
 * The ARM actions the app calls through ArmClient: for each method the app reaches (called from
 * shared/ or functions/, plus what those call on `this`), every request it builds (getJson,
 * getAll, send, start: path and method) and every @azure/arm-sql operation it calls. pollOnce
 * reads the operation-status URLs ARM hands out and, for operations whose result is a resource
 * (resultTypeOf), the resource itself.
 */
export function deriveArmClientActions(sources: SourceFiles, resultTypeOf: (kind: string) => string): ArmDerivation {
  const clientText = sources[CLIENT_FILE];
  if (!clientText) throw new Error(`${CLIENT_FILE} is missing`);
  const sf = parse(CLIENT_FILE, clientText);
  const cls = sf.statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === 'ArmClient');
  if (!cls) throw new Error('class ArmClient not found');
  const methods = new Map<string, ts.MethodDeclaration>();
  for (const m of cls.members) if (ts.isMethodDeclaration(m) && m.body) methods.set(m.name.getText(), m);

  // a path expression -> template text ({} for what is not known), following this.xId(...) helpers and consts
  const evalPath = (expr: ts.Expression, scope: ts.MethodDeclaration, depth = 0): string => {
    if (depth > 10) return '{}';
    if (ts.isParenthesizedExpression(expr)) return evalPath(expr.expression, scope, depth + 1);
    if (ts.isStringLiteralLike(expr)) return expr.text;
    if (ts.isTemplateExpression(expr)) {
      return expr.head.text + expr.templateSpans.map((s) => evalPath(s.expression, scope, depth + 1) + s.literal.text).join('');
    }
    if (ts.isConditionalExpression(expr)) return evalPath(expr.whenTrue, scope, depth + 1);
    if (ts.isIdentifier(expr)) {
      let init: ts.Expression | undefined;
      walk(scope, (n) => {
        if (!init && ts.isVariableDeclaration(n) && n.name.getText() === expr.text && n.initializer) init = n.initializer;
      });
      return init ? evalPath(init, scope, depth + 1) : '{}';
    }
    if (ts.isCallExpression(expr) && ts.isPropertyAccessExpression(expr.expression) && expr.expression.expression.kind === ts.SyntaxKind.ThisKeyword) {
      const helper = methods.get(expr.expression.name.text);
      const ret = helper?.body?.statements.find(ts.isReturnStatement);
      if (helper && ret?.expression) return evalPath(ret.expression, helper, depth + 1);
    }
    return '{}';
  };

  interface MethodFacts {
    requests: { method: HttpMethod; path: string }[];
    starts: { kind: string; resourceType: string }[];
    calls: Set<string>;
    pollsStatus: boolean;
    readsStarted: boolean;
  }
  const facts = new Map<string, MethodFacts>();
  for (const [name, m] of methods) {
    const f: MethodFacts = { requests: [], starts: [], calls: new Set(), pollsStatus: false, readsStarted: false };
    walk(m, (n) => {
      if (!ts.isCallExpression(n) || !ts.isPropertyAccessExpression(n.expression)) return;
      const callee = n.expression;
      const args = n.arguments;
      if (callee.expression.kind === ts.SyntaxKind.ThisKeyword) {
        const fn = callee.name.text;
        f.calls.add(fn);
        const request = (method: HttpMethod, arg: ts.Expression | undefined): void => {
          if (!arg) return;
          const text = arg.getText();
          if (/asyncOperationUrl|locationUrl/.test(text)) f.pollsStatus = true;
          else if (/\bresourceId$/.test(text)) f.readsStarted = true;
          else {
            const p = evalPath(arg, m);
            if (p.includes('/providers/')) f.requests.push({ method, path: p });
          }
        };
        if (fn === 'getJson' || fn === 'getAll') request('GET', args[0]);
        if (fn === 'send' && args[0] && ts.isStringLiteralLike(args[0])) request(args[0].text as HttpMethod, args[1]);
        if (fn === 'start' && args[0] && ts.isStringLiteralLike(args[0]) && args[1] && ts.isStringLiteralLike(args[1])) {
          request(args[1].text as HttpMethod, args[2]);
          const type = args[3] && resourceTypeOf(evalPath(args[3], m));
          if (type) f.starts.push({ kind: args[0].text, resourceType: type });
        }
        return;
      }
      // this.sdk.<group>.<op>(...)
      const group = callee.expression;
      if (ts.isPropertyAccessExpression(group) && group.expression.getText() === 'this.sdk' && sdkHasGroup('@azure/arm-sql', group.name.text)) {
        const op = sdkOperation('@azure/arm-sql', group.name.text, callee.name.text);
        if (!op) throw new Error(`@azure/arm-sql has no operation ${group.name.text}.${callee.name.text} (called in ArmClient.${name})`);
        f.requests.push({ method: op.method, path: fillSdkPath(op, args) });
      }
    });
    facts.set(name, f);
  }

  // reachable: called from the rest of the app, and what those call on `this`
  const reachable = new Set<string>();
  const publicNames = new Set([...methods.keys()].filter((n) => !methods.get(n)?.modifiers?.some((mod) => mod.kind === ts.SyntaxKind.PrivateKeyword)));
  for (const [file, text] of Object.entries(sources)) {
    if (file === CLIENT_FILE) continue;
    walk(parse(file, text), (n) => {
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && publicNames.has(n.expression.name.text)) reachable.add(n.expression.name.text);
    });
  }
  const queue = [...reachable];
  while (queue.length > 0) {
    const next = facts.get(queue.pop() as string);
    for (const c of next?.calls ?? []) {
      if (methods.has(c) && !reachable.has(c)) {
        reachable.add(c);
        queue.push(c);
      }
    }
  }

  const calls: ArmCall[] = [];
  const resourceActions = new Set<string>();
  const polledTypes = new Set<string>();
  const started = [...reachable].flatMap((r) => facts.get(r)?.starts ?? []);
  for (const r of reachable) {
    const f = facts.get(r);
    if (!f) continue;
    for (const q of f.requests) {
      const action = actionOf(q.method, q.path);
      if (!action) continue;
      calls.push({ where: `ArmClient.${r}`, method: q.method, path: q.path, action });
      resourceActions.add(action);
    }
    if (f.pollsStatus) started.forEach((s) => polledTypes.add(s.resourceType));
    if (f.readsStarted) {
      for (const s of started) {
        if (resultTypeOf(s.kind) === 'none') continue;
        const action = `${s.resourceType}/read`;
        calls.push({ where: `ArmClient.${r} (result of ${s.kind})`, method: 'GET', path: s.resourceType, action });
        resourceActions.add(action);
      }
    }
  }
  return { calls, resourceActions, polledTypes, reachable };
}

/**
 * The ARM actions of an adapter over an SDK client (shared/redirect/privateDnsCname.ts over
 * @azure/arm-privatedns): every `<client>.<group>.<op>(...)` whose group the package has.
 */
export function deriveSdkAdapterActions(file: string, text: string, pkg: string): ArmCall[] {
  const out: ArmCall[] = [];
  walk(parse(file, text), (n) => {
    if (!ts.isCallExpression(n) || !ts.isPropertyAccessExpression(n.expression) || !ts.isPropertyAccessExpression(n.expression.expression)) return;
    const group = n.expression.expression.name.text;
    if (!sdkHasGroup(pkg, group)) return;
    const op = sdkOperation(pkg, group, n.expression.name.text);
    if (!op) throw new Error(`${pkg} has no operation ${group}.${n.expression.name.text} (called in ${file})`);
    const filled = fillSdkPath(op, n.arguments);
    const action = actionOf(op.method, filled);
    if (action) out.push({ where: `${file} (${group}.${n.expression.name.text})`, method: op.method, path: filled, action });
  });
  return out;
}
