// Secrets must never leave the process in a log, an error or an API answer.
//
// URLs and headers are sanitized by allow-list, the way @azure/core-rest-pipeline's Sanitizer does:
// a value is shown only when its name (query parameter, header) or its place (the path on a host we
// know) is known to carry no secret, so a secret we never heard of is hidden too. Free text gets
// that treatment for every URL in it, plus a deny-list for the secrets written outside URLs
// (connection strings, JSON, T-SQL, tokens, header lines).
//
// Every regex here takes linear time on any input (no nested or overlapping unbounded quantifiers
// that can backtrack): redactSecrets runs on every log line and every AppError message.

export const REDACTED = 'REDACTED';

const lowerSet = (names: string[]): ReadonlySet<string> => new Set(names.map((n) => n.toLowerCase()));

/** Query parameters whose values are shown; every other value becomes REDACTED. */
const ALLOWED_QUERY_PARAMETERS = lowerSet([
  // ARM and the Functions / operations APIs
  'api-version', 'functionName', 'state', 'kind', 'target', 'limit', 'from', 'to',
  // OData paging and filtering
  '$filter', '$top', '$skip', '$skiptoken', '$orderby', '$select', '$expand',
  // Storage REST
  'restype', 'comp', 'prefix', 'delimiter', 'include', 'maxresults', 'marker', 'timeout', 'blockid', 'blocklisttype',
  'snapshot', 'versionid', 'numofmessages', 'visibilitytimeout', 'messagettl', 'peekonly',
  // The SAS fields that say what a token allows, not the signature or the delegation key (sig, skoid, ...)
  'sv', 'ss', 'srt', 'sp', 'sr', 'st', 'se', 'spr', 'sip',
]);

/** Headers whose values are shown; every other value becomes REDACTED. */
const ALLOWED_HEADERS = lowerSet([
  'accept', 'accept-encoding', 'accept-language', 'cache-control', 'connection', 'content-encoding', 'content-language',
  'content-length', 'content-md5', 'content-type', 'date', 'etag', 'expires', 'host', 'if-match', 'if-modified-since',
  'if-none-match', 'if-unmodified-since', 'last-modified', 'origin', 'pragma', 'server', 'transfer-encoding', 'user-agent',
  'www-authenticate', 'retry-after', 'retry-after-ms', 'x-ms-retry-after-ms',
  // tracing and correlation
  'traceparent', 'tracestate', 'request-id', 'client-request-id', 'x-ms-client-request-id', 'x-ms-return-client-request-id',
  'x-ms-request-id', 'x-ms-correlation-request-id', 'x-ms-useragent', 'x-ms-version', 'x-ms-date', 'x-ms-error-code',
  'x-ms-blob-type', 'x-ms-copy-status', 'x-ms-copy-id',
  // long-running operations (the values are URLs and go through sanitizeUrl)
  'location', 'content-location', 'azure-asyncoperation', 'operation-location',
  // Event Grid delivery and the CloudEvents handshake
  'aeg-event-type', 'aeg-subscription-name', 'aeg-delivery-count', 'aeg-data-version', 'aeg-metadata-version',
  'webhook-request-origin', 'webhook-request-rate',
  // Easy Auth: who called, not the principal blob (x-ms-client-principal) nor its tokens
  'x-ms-client-principal-name', 'x-ms-client-principal-id', 'x-ms-client-principal-idp',
]);

/** Hosts whose URL paths name resources, never secrets (storage paths, ARM ids, tenants, our local hosts). */
const PATH_SAFE_HOSTS = lowerSet([
  'management.azure.com', 'management.chinacloudapi.cn', 'management.usgovcloudapi.net', 'management.microsoftazure.de',
  'login.microsoftonline.com', 'login.chinacloudapi.cn', 'login.partner.microsoftonline.cn', 'login.microsoftonline.us',
  'login.microsoftonline.de',
  '127.0.0.1', 'localhost', '[::1]',
]);
const SOVEREIGN = '(?:windows\\.net|chinacloudapi\\.cn|usgovcloudapi\\.net|cloudapi\\.de)';
const PATH_SAFE_HOST_PATTERNS: RegExp[] = [
  // account[-secondary][.privatelink].blob.core.windows.net and the sovereign clouds
  new RegExp(`^[a-z0-9-]+(?:\\.privatelink)?\\.(?:blob|queue|table|file|dfs)\\.core\\.${SOVEREIGN}$`),
  // accounts on Azure DNS zone endpoints: account.z01.blob.storage.azure.net
  /^[a-z0-9-]+\.z[0-9]+\.(?:blob|queue|table|file|dfs)\.storage\.azure\.net$/,
  // Azure SQL servers, managed instances (mi.dnszone.database.windows.net) and the token audience
  new RegExp(`^(?:[a-z0-9-]+\\.){0,2}(?:privatelink\\.)?database\\.${SOVEREIGN}$`),
];

function isPathSafeHost(host: string): boolean {
  const h = host.toLowerCase();
  return PATH_SAFE_HOSTS.has(h) || PATH_SAFE_HOST_PATTERNS.some((p) => p.test(h));
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name).toLowerCase();
  } catch {
    return name.toLowerCase();
  }
}

function sanitizeQuery(query: string): string {
  return query
    .split('&')
    .map((part) => {
      if (part === '') return part;
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      if (ALLOWED_QUERY_PARAMETERS.has(decodeName(name))) return part;
      // `?<token>` with no `=` can itself be the secret
      if (eq < 0) return REDACTED;
      return eq === part.length - 1 ? part : `${name}=${REDACTED}`;
    })
    .join('&');
}

/** path?query#fragment with the query and fragment sanitized; the path as the caller decided. */
function sanitizeTail(tail: string, keepPath: boolean): string {
  const hash = tail.indexOf('#');
  const beforeHash = hash < 0 ? tail : tail.slice(0, hash);
  const question = beforeHash.indexOf('?');
  const path = question < 0 ? beforeHash : beforeHash.slice(0, question);
  let out = keepPath || path === '' || path === '/' ? path : `/${REDACTED}`;
  if (question >= 0) out += `?${sanitizeQuery(beforeHash.slice(question + 1))}`;
  // fragments carry tokens in OAuth implicit flows and are never needed to read a log
  if (hash >= 0) out += hash === tail.length - 1 ? '#' : `#${REDACTED}`;
  return out;
}

const SCHEME_AND_SLASHES = /^(?:[a-z][a-z0-9+.-]*:)?\/\//i;
const HOST_AND_PORT = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]*)(:[0-9]*)?$/i;

/**
 * A URL safe to log: scheme, host and port kept; the path kept only on hosts whose paths hold no
 * secret (elsewhere it becomes /REDACTED, since a webhook's path is often its secret); a query
 * value kept only for an allow-listed parameter name; user info and fragment REDACTED. A relative
 * URL (/api/x?code=...) keeps its path and gets the same query treatment. Not for free text: use
 * redactSecrets.
 */
export function sanitizeUrl(url: string): string {
  const scheme = SCHEME_AND_SLASHES.exec(url);
  if (!scheme) return sanitizeTail(url, true);
  const rest = url.slice(scheme[0].length);
  // WHATWG URL parsing treats `\` as `/` in http(s) URLs, so it ends the authority too
  const authorityEnd = rest.search(/[/?#\\]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  const at = authority.lastIndexOf('@');
  const hostPort = at < 0 ? authority : authority.slice(at + 1);
  const userInfo = at < 0 ? '' : `${REDACTED}@`;
  const parsed = HOST_AND_PORT.exec(hostPort);
  // Something that is not a host name could be anything, a secret included.
  if (!parsed) return `${scheme[0]}${userInfo}${REDACTED}${sanitizeTail(tail, false)}`;
  return `${scheme[0]}${userInfo}${hostPort}${sanitizeTail(tail, isPathSafeHost(parsed[1]))}`;
}

/** Headers safe to log: values of allow-listed names kept (URLs in them sanitized), all others REDACTED. */
export function sanitizeHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = ALLOWED_HEADERS.has(name.toLowerCase()) ? redactSecrets(text) : REDACTED;
  }
  return out;
}

// URLs in free text: absolute ones, and relative ones (a `/` after a separator) that have a query.
// An absolute URL stops at a `;` that starts the next `Name=` of a connection string
// (BlobEndpoint=https://...;SharedAccessSignature=...). The relative path class excludes every
// separator that may start one, so no character is scanned twice for a failed match.
const URL_IN_TEXT =
  /(?:https?|wss?):\/\/(?:[^\s"'`<>{}|\\^;]|;(?![A-Za-z][A-Za-z0-9]*=))+|(?<=^|[\s"'`(\[,=])\/[^\s"'`<>(\[,=?#]*\?[^\s"'`<>]*/gi;

/** Punctuation that ends a sentence rather than the URL; a `)` or `]` the URL did not open. */
function urlLength(candidate: string): number {
  let end = candidate.length;
  let parens = 0;
  let brackets = 0;
  for (const c of candidate) {
    if (c === '(') parens++;
    else if (c === ')') parens--;
    else if (c === '[') brackets++;
    else if (c === ']') brackets--;
  }
  while (end > 0) {
    const c = candidate[end - 1];
    if ('.,;:!?'.includes(c)) end--;
    else if (c === ')' && parens < 0) {
      parens++;
      end--;
    } else if (c === ']' && brackets < 0) {
      brackets++;
      end--;
    } else break;
  }
  return end;
}

const HEADER_NAMES = 'authorization|proxy-authorization|x-functions-key|x-ms-client-principal|cookie|set-cookie|ocp-apim-subscription-key|x-api-key|api-key';
const AUTH_SCHEMES = 'Bearer|Basic|SharedKey|SharedKeyLite|SharedAccessSignature|Digest|Negotiate|NTLM';

// Secret JSON properties: explicit names, and any name ending in password/secret/sastoken.
const JSON_SECRET_NAMES = [
  '[a-z0-9_.-]*(?:password|passwd|secret|sastoken)',
  'pwd', 'sas', 'sig', 'token', 'access_token', 'accesstoken', 'refresh_token', 'refreshtoken', 'id_token', 'idtoken',
  'accountkey', 'accesskey', 'sharedaccesskey', 'sharedaccesssignature', 'apikey', 'api_key', 'masterkey', 'functionkey',
  'functionskey', 'primarykey', 'secondarykey', 'connectionstring',
  HEADER_NAMES,
].join('|');

// Applied in this order, after the URLs: quoted forms before the bare `Name=value` forms, so a
// `PASSWORD = N'...'` is taken whole before `Password=` could take only its `N`.
const PATTERNS: Array<[RegExp, string | ((...groups: string[]) => string)]> = [
  // Header lines: `x-functions-key: ...`, `Authorization: Bearer ...`; the value runs to the end of the line or a quote.
  [
    new RegExp(`(^|[\\s"'{,;])(${HEADER_NAMES})([ \\t]*:[ \\t]*)(?:(${AUTH_SCHEMES})[ \\t]+)?[^\\r\\n"']+`, 'gi'),
    (_m, pre, name, sep, scheme) => `${pre}${name}${sep}${scheme ? `${scheme} ` : ''}${REDACTED}`,
  ],
  // T-SQL: SECRET = '...' (CREATE CREDENTIAL), PASSWORD = '...' (logins, keys); '' is an escaped quote.
  [/\b(SECRET|PASSWORD)(\s*=\s*N?')(?:[^']|'')*'/gi, `$1$2${REDACTED}'`],
  // JSON: "password": "...", "clientSecret": "...", "authorization": "..."
  [new RegExp(`("(?:${JSON_SECRET_NAMES})"\\s*:\\s*")(?:[^"\\\\]|\\\\.)*"`, 'gi'), `$1${REDACTED}"`],
  // Connection strings. An ODBC value in braces may hold `;` (`}}` is a brace) and ends where the
  // value does, else it is no braced value. It is bounded (SQL Server passwords are at most 128
  // characters) so that an unclosed `{` cannot make every later one rescan the rest of the text.
  [
    /\b(AccountKey|SharedAccessSignature|SharedAccessKey|AccessKey|ClientSecret|Password|Pwd)=(?:\{(?:[^}]|\}\}){0,256}\}(?=[;'"\s]|$)|[^;'"\s]+)/gi,
    `$1=${REDACTED}`,
  ],
  // SAS fields and function keys written outside a URL (their values never hold `,)#<>]`, which
  // therefore end them); a number after `code=` is an exit or error code.
  [
    /(^|[?&;\s'"])(sig|skoid|sktid|skt|ske|sks|skv|sdd|saoid|suoid|code)=([^&\s'";,)#<>\]]+)/gi,
    (m, pre, name, value) => (name.toLowerCase() === 'code' && /^(?:-?\d+|0x[0-9a-f]+)$/i.test(value) ? m : `${pre}${name}=${REDACTED}`),
  ],
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, `$1${REDACTED}`],
  // A JWT on its own: three base64url segments, the header starting `{"` (eyJ).
  [/(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, REDACTED],
];

function redactOnce(text: string): string {
  let out = text.replace(URL_IN_TEXT, (candidate) => {
    const end = urlLength(candidate);
    return sanitizeUrl(candidate.slice(0, end)) + candidate.slice(end);
  });
  for (const [pattern, replacement] of PATTERNS) {
    // two calls because replace's overloads take a string or a function, not the union
    out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  }
  return out;
}

/** Passes after the first; real text settles in one, the second only confirms it. */
const MAX_EXTRA_PASSES = 4;

/**
 * Free text safe to log: every URL in it through sanitizeUrl, then the secrets written outside
 * URLs. Leaves ordinary text (names, blob paths, T-SQL, error numbers) as it was.
 */
export function redactSecrets(text: string): string {
  // The deny-list runs over the sanitized URLs too (a secret may straddle a URL's end), and can
  // remove the character that ended a URL; passing again until nothing changes makes the result
  // a fixed point, so that redacting redacted text changes nothing.
  let out = redactOnce(text);
  for (let pass = 0; pass < MAX_EXTRA_PASSES; pass++) {
    const again = redactOnce(out);
    if (again === out) break;
    out = again;
  }
  return out;
}
