import { redactSecrets, sanitizeHeaders, sanitizeUrl } from '../../../shared/redact';
import { AppError, isTransientError, toErrorInfo } from '../../../shared/errors';

describe('sanitizeUrl', () => {
  test('keeps allow-listed query parameters and redacts every other value, including ones we never heard of', () => {
    expect(sanitizeUrl('https://acct.blob.core.windows.net/c/b.bak?sv=2022-11-02&sp=rl&se=2026-11-22T10:00:00Z&sig=AbC%2B&skoid=x&newthing=y')).toBe(
      'https://acct.blob.core.windows.net/c/b.bak?sv=2022-11-02&sp=rl&se=2026-11-22T10:00:00Z&sig=REDACTED&skoid=REDACTED&newthing=REDACTED',
    );
    expect(sanitizeUrl('https://management.azure.com/subscriptions/s/resourceGroups/rg?api-version=2023-08-01&$top=5&$skiptoken=abc')).toBe(
      'https://management.azure.com/subscriptions/s/resourceGroups/rg?api-version=2023-08-01&$top=5&$skiptoken=abc',
    );
    // names compare case-insensitively and percent-decoded; a bare `?token` is redacted; an empty value hides nothing
    expect(sanitizeUrl('https://acct.blob.core.windows.net/c?RESTYPE=container&%24filter=x&opaque&code=')).toBe(
      'https://acct.blob.core.windows.net/c?RESTYPE=container&%24filter=x&REDACTED&code=',
    );
  });

  test('redacts the function key of an Azure Functions URL (code=)', () => {
    expect(sanitizeUrl('https://myapp.azurewebsites.net/api/operations?code=abcDEF123==&kind=restore')).toBe(
      'https://myapp.azurewebsites.net/REDACTED?code=REDACTED&kind=restore',
    );
  });

  test('keeps the path only on hosts whose paths name resources', () => {
    for (const host of [
      'acct.blob.core.windows.net',
      'acct.queue.core.windows.net',
      'acct.table.core.windows.net',
      'acct.file.core.windows.net',
      'acct.dfs.core.windows.net',
      'acct-secondary.blob.core.windows.net',
      'acct.privatelink.blob.core.windows.net',
      'acct.blob.core.chinacloudapi.cn',
      'acct.blob.core.usgovcloudapi.net',
      'acct.z12.blob.storage.azure.net',
      'management.azure.com',
      'management.usgovcloudapi.net',
      'sqlsrv.database.windows.net',
      'mi-1.abc123def.database.windows.net',
      'database.windows.net',
      'login.microsoftonline.com',
      '127.0.0.1:10000',
      'localhost:7071',
      '[::1]:7071',
    ]) {
      expect(sanitizeUrl(`https://${host}/a/b/c`)).toBe(`https://${host}/a/b/c`);
    }
    for (const host of ['example.com', 'blob.core.windows.net.evil.com', 'acct.web.core.windows.net', 'myapp.azurewebsites.net']) {
      expect(sanitizeUrl(`https://${host}/a/b/c`)).toBe(`https://${host}/REDACTED`);
    }
    expect(sanitizeUrl('https://example.com')).toBe('https://example.com');
    expect(sanitizeUrl('https://example.com/')).toBe('https://example.com/');
  });

  test('hides the secret of Slack, Teams and Logic Apps webhook URLs', () => {
    expect(sanitizeUrl('https://hooks.slack.com/services/T0/B0/XXXX')).toBe('https://hooks.slack.com/REDACTED');
    expect(sanitizeUrl('https://contoso.webhook.office.com/webhookb2/1f0e@72f9/IncomingWebhook/8a1b2c/4d5e6f')).toBe(
      'https://contoso.webhook.office.com/REDACTED',
    );
    expect(
      sanitizeUrl(
        'https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b/triggers/manual/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Zm9vYmFy',
      ),
    ).toBe('https://prod-12.westeurope.logic.azure.com:443/REDACTED?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=REDACTED');
  });

  test('redacts user info and fragments, and a host that is not a host name', () => {
    expect(sanitizeUrl('https://user:p4ss@acct.blob.core.windows.net/c#access_token=x')).toBe('https://REDACTED@acct.blob.core.windows.net/c#REDACTED');
    expect(sanitizeUrl('https://hooks.slack.com\\services\\T0\\B0\\XXXX')).toBe('https://hooks.slack.com/REDACTED');
    expect(sanitizeUrl('https://a%20b/c')).toBe('https://REDACTED/REDACTED');
  });

  test('gives a relative URL the query treatment and keeps its path', () => {
    expect(sanitizeUrl('/api/operations?code=abc&state=Running')).toBe('/api/operations?code=REDACTED&state=Running');
    expect(sanitizeUrl('/api/items/42')).toBe('/api/items/42');
  });

  test('is idempotent', () => {
    const once = sanitizeUrl('https://user@hooks.slack.com/services/T0?code=a&api-version=1#f');
    expect(sanitizeUrl(once)).toBe(once);
  });
});

describe('sanitizeHeaders', () => {
  test('keeps allow-listed headers and redacts the rest, whatever their case', () => {
    expect(
      sanitizeHeaders({
        'Content-Type': 'application/json',
        'user-agent': 'azsdk-js/1.0',
        'x-ms-client-request-id': 'abc',
        'aeg-event-type': 'Notification',
        'x-ms-client-principal-name': 'alice@contoso.com',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        authorization: 'Bearer eyJ.a.b',
        'X-Functions-Key': 'k',
        cookie: 'AppServiceAuthSession=s',
        'x-ms-client-principal': 'eyJhdXRoX3R5cCI6ImFhZCJ9',
        'x-custom': 'who knows',
        accept: ['application/json', 'text/plain'],
        'if-match': undefined,
      }),
    ).toEqual({
      'Content-Type': 'application/json',
      'user-agent': 'azsdk-js/1.0',
      'x-ms-client-request-id': 'abc',
      'aeg-event-type': 'Notification',
      'x-ms-client-principal-name': 'alice@contoso.com',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      authorization: 'REDACTED',
      'X-Functions-Key': 'REDACTED',
      cookie: 'REDACTED',
      'x-ms-client-principal': 'REDACTED',
      'x-custom': 'REDACTED',
      accept: 'application/json, text/plain',
    });
  });

  test('sanitizes the URLs an allow-listed header carries (an ARM Location may be signed)', () => {
    expect(
      sanitizeHeaders({
        location: 'https://management.azure.com/subscriptions/s/operationResults/o?api-version=2023-08-01&t=638&c=MIIH&s=sig&h=hash',
        'Azure-AsyncOperation': '/api/operations/op-1?code=k',
      }),
    ).toEqual({
      location: 'https://management.azure.com/subscriptions/s/operationResults/o?api-version=2023-08-01&t=REDACTED&c=REDACTED&s=REDACTED&h=REDACTED',
      'Azure-AsyncOperation': '/api/operations/op-1?code=REDACTED',
    });
  });
});

describe('redactSecrets', () => {
  test('removes the signature of a SAS in a URL and a bare token', () => {
    const url = 'https://acct.blob.core.windows.net/backups/a.bak?sv=2022-11-02&ss=b&sp=rl&se=2026-11-22T10:00:00Z&sig=AbC%2Bdef123%3D';
    expect(redactSecrets(`Cannot open backup device '${url}'`)).toBe(
      "Cannot open backup device 'https://acct.blob.core.windows.net/backups/a.bak?sv=2022-11-02&ss=b&sp=rl&se=2026-11-22T10:00:00Z&sig=REDACTED'",
    );
    expect(redactSecrets('sv=2022-11-02&sp=rl&sig=xyz&skoid=abc')).toBe('sv=2022-11-02&sp=rl&sig=REDACTED&skoid=REDACTED');
  });

  test('passes every URL in the text through sanitizeUrl, leaving the punctuation around it', () => {
    expect(redactSecrets('posting to https://hooks.slack.com/services/T0/B0/XXXX failed.')).toBe('posting to https://hooks.slack.com/REDACTED failed.');
    expect(redactSecrets('see (https://contoso.webhook.office.com/webhookb2/a@b/IncomingWebhook/c/d), then')).toBe(
      'see (https://contoso.webhook.office.com/REDACTED), then',
    );
    expect(redactSecrets('{"callback":"https://prod-1.eastus.logic.azure.com/workflows/w/triggers/t/paths/invoke?api-version=2016-10-01&sv=1.0&sig=S1g"}')).toBe(
      '{"callback":"https://prod-1.eastus.logic.azure.com/REDACTED?api-version=2016-10-01&sv=1.0&sig=REDACTED"}',
    );
    expect(redactSecrets('queue https://acct.queue.core.windows.net/q/messages?numofmessages=5&unknown=1; retrying')).toBe(
      'queue https://acct.queue.core.windows.net/q/messages?numofmessages=5&unknown=REDACTED; retrying',
    );
    expect(redactSecrets('CREATE CREDENTIAL [https://acct.blob.core.windows.net/backups] WITH IDENTITY = x')).toBe(
      'CREATE CREDENTIAL [https://acct.blob.core.windows.net/backups] WITH IDENTITY = x',
    );
    expect(redactSecrets('host http://[::1]:7071/api/x?code=k up')).toBe('host http://[::1]:7071/api/x?code=REDACTED up');
  });

  test('redacts function keys: code= in absolute and relative URLs and written bare, but not exit codes', () => {
    expect(redactSecrets('request GET /api/operations?code=k3y==&kind=restore failed')).toBe('request GET /api/operations?code=REDACTED&kind=restore failed');
    expect(redactSecrets('curl "http://127.0.0.1:7071/api/dashboard?code=k3y"')).toBe('curl "http://127.0.0.1:7071/api/dashboard?code=REDACTED"');
    expect(redactSecrets('api/items?code=k3y')).toBe('api/items?code=REDACTED');
    expect(redactSecrets('code=k3y')).toBe('code=REDACTED');
    expect(redactSecrets('process exited with code=1, sqlcmd code=-2 and code=0x80004005')).toBe(
      'process exited with code=1, sqlcmd code=-2 and code=0x80004005',
    );
  });

  test('redacts connection-string secrets', () => {
    expect(redactSecrets('DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0==;EndpointSuffix=core.windows.net')).toBe(
      'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=REDACTED;EndpointSuffix=core.windows.net',
    );
    expect(redactSecrets('Server=x;User Id=sa;Password=Pa55;w0rd')).toBe('Server=x;User Id=sa;Password=REDACTED;w0rd');
    expect(redactSecrets('Server=x;Uid=sa;Pwd={Pa55;w0rd}}x};Encrypt=yes')).toBe('Server=x;Uid=sa;Pwd=REDACTED;Encrypt=yes');
    expect(redactSecrets('Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=a2V5=')).toBe(
      'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=REDACTED',
    );
    expect(redactSecrets('BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&sig=abc;QueueEndpoint=https://hooks.example.com/x')).toBe(
      'BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=REDACTED;QueueEndpoint=https://hooks.example.com/REDACTED',
    );
    expect(redactSecrets('Endpoint=https://cfg.azconfig.io;Id=abc;AccessKey=c2VjcmV0')).toBe('Endpoint=https://cfg.azconfig.io;Id=abc;AccessKey=REDACTED');
    expect(redactSecrets('TenantId=t;ClientId=c;ClientSecret=s3cr3t~x')).toBe('TenantId=t;ClientId=c;ClientSecret=REDACTED');
  });

  test('redacts JSON secrets, and leaves the other properties', () => {
    expect(redactSecrets('{"storageContainerSasToken":"sv=1&sp=rl&sig=z","x":1}')).toBe('{"storageContainerSasToken":"REDACTED","x":1}');
    expect(
      redactSecrets(
        '{"password": "p\\"w", "adminPassword":"a", "secret":"s", "clientSecret":"c", "sasToken":"t", "accountKey":"k", "token":"t", "access_token":"a", "refresh_token":"r", "code":"ECONNRESET", "name":"Sales"}',
      ),
    ).toBe(
      '{"password": "REDACTED", "adminPassword":"REDACTED", "secret":"REDACTED", "clientSecret":"REDACTED", "sasToken":"REDACTED", "accountKey":"REDACTED", "token":"REDACTED", "access_token":"REDACTED", "refresh_token":"REDACTED", "code":"ECONNRESET", "name":"Sales"}',
    );
  });

  test("redacts T-SQL secrets, with '' escapes", () => {
    expect(redactSecrets("CREATE CREDENTIAL [u] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = 'sv=1&sig=abc'")).toBe(
      "CREATE CREDENTIAL [u] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = 'REDACTED'",
    );
    expect(redactSecrets("ALTER CREDENTIAL [u] WITH IDENTITY = 'x', SECRET = N'ab''c''d'; SELECT 1")).toBe(
      "ALTER CREDENTIAL [u] WITH IDENTITY = 'x', SECRET = N'REDACTED'; SELECT 1",
    );
    expect(redactSecrets("CREATE LOGIN [l] WITH PASSWORD = 'P@ss''w0rd', CHECK_POLICY = OFF")).toBe(
      "CREATE LOGIN [l] WITH PASSWORD = 'REDACTED', CHECK_POLICY = OFF",
    );
  });

  test('redacts Bearer tokens and bare JWTs', () => {
    expect(redactSecrets('Authorization: Bearer eyJ0eXAi.abc.def')).toBe('Authorization: Bearer REDACTED');
    expect(redactSecrets('sent Bearer abc.def-ghi')).toBe('sent Bearer REDACTED');
    const jwt = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLV8';
    expect(redactSecrets(`token ${jwt} expired`)).toBe('token REDACTED expired');
    expect(redactSecrets(`"${jwt}"`)).toBe('"REDACTED"');
    // one segment is a base64 message, not a token
    expect(redactSecrets('eyJub3QiOiJkZWNvZGVkIn0=')).toBe('eyJub3QiOiJkZWNvZGVkIn0=');
  });

  test('redacts header lines that carry credentials, and keeps the harmless ones', () => {
    expect(
      redactSecrets(
        'x-functions-key: k3y\nAuthorization: SharedKey acct:c2ln\nx-ms-client-principal: eyJhdXRoX3R5cCI6ImFhZCJ9\nx-ms-client-principal-name: alice\nCookie: a=1; b=2\ncontent-type: text/plain',
      ),
    ).toBe(
      'x-functions-key: REDACTED\nAuthorization: SharedKey REDACTED\nx-ms-client-principal: REDACTED\nx-ms-client-principal-name: alice\nCookie: REDACTED\ncontent-type: text/plain',
    );
    expect(redactSecrets('{"x-functions-key":"k","authorization":"Bearer t","accept":"*/*"}')).toBe(
      '{"x-functions-key":"REDACTED","authorization":"REDACTED","accept":"*/*"}',
    );
  });

  test('leaves the text a DBA reads untouched', () => {
    const texts = [
      'Database Sales restored on mi-prod-01.abc123.database.windows.net from sql-onprem/Sales/FULL/Sales_20261122_0200_1of2.bak',
      'operation op-k-0123456789abcdef0123456789abcdef is Running (step 3 of 7)',
      "RESTORE DATABASE [Sales] FROM URL = N'https://acct.blob.core.windows.net/backups/sql-onprem/Sales/FULL/Sales_20261122_0200_1of2.bak', URL = N'https://acct.blob.core.windows.net/backups/sql-onprem/Sales/FULL/Sales_20261122_0200_2of2.bak' WITH CHECKSUM, STATS = 10",
      "Msg 3201, Level 16, State 1, Line 1\nCannot open backup device 'http://127.0.0.1:10000/devstoreaccount1/backups/Sales.bak'. Operating system error 86(The specified network password is not correct.).",
      'Msg 4060, Level 11, State 1: Cannot open database "Sales" requested by the login. The login failed.',
      'EXEC msdb.dbo.sp_start_job @job_name = N\'Sales - log backup\'; -- started at 2026-11-22T02:00:00Z',
      'GET https://management.azure.com/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Sql/managedInstances/mi/databases/Sales?api-version=2023-08-01 -> 404',
      'blob path: /backups/sql-onprem/Sales/LOG/Sales_20261122_0215.trn (1.2 GB)',
      'AuthorizationFailed: The client does not have authorization to perform action',
    ];
    for (const text of texts) expect(redactSecrets(text)).toBe(text);
  });

  test('is idempotent', () => {
    const samples = [
      "Cannot open 'https://acct.blob.core.windows.net/c/b?sv=1&sig=a%2B' (https://hooks.slack.com/services/T/B/X).",
      'request POST /api/x?code=k&state=a#frag failed; Authorization: Bearer eyJa.b.c',
      "SECRET = 'a''b', PASSWORD='x' Password={a;b};AccountKey=k;code=c sig=s&skoid=o",
      '{"password":"p","token":"eyJa.b.c"} x-functions-key: k\nhttp://u:p@[::1]:1/a?b=c',
      'BlobEndpoint=https://x.example.com/a;SharedAccessSignature=sv=1&sig=2;',
    ];
    for (const text of samples) {
      const once = redactSecrets(text);
      expect(redactSecrets(once)).toBe(once);
    }
  });

  // the bound catches catastrophic backtracking (seconds), not a busy machine's few milliseconds
  test('redacts 100 kB of log text in well under 250 ms, and is linear on hostile input', () => {
    const line =
      "2026-11-22T02:00:00Z op-k-0123456789abcdef0123456789abcdef RESTORE DATABASE [Sales] FROM URL = 'https://acct.blob.core.windows.net/b/Sales.bak?sv=2022-11-02&sp=rl&sig=AbC%2B' code=42 GET /api/operations?code=abc {\"password\":\"p\"} Bearer eyJa.b.c\n";
    const text = line.repeat(Math.ceil(100_000 / line.length));
    redactSecrets(text); // compile the regexes
    const hostile = ['(/'.repeat(50_000), 'eyJ-'.repeat(25_000), '"a'.repeat(50_000), 'https://'.repeat(12_500), `SECRET = '${"''".repeat(50_000)}`, ';a'.repeat(50_000)];
    let worst = 0;
    for (const input of [text, ...hostile]) {
      const started = process.hrtime.bigint();
      redactSecrets(input);
      worst = Math.max(worst, Number(process.hrtime.bigint() - started) / 1e6);
    }
    expect(worst).toBeLessThan(250);
  });

  test('AppError messages are redacted at construction', () => {
    const err = new AppError('CREDENTIAL_OR_BLOB_REFUSED', 'storage refused https://a/b?sv=1&sig=secret');
    expect(err.message).not.toContain('secret');
  });
});

describe('transient error classification', () => {
  test('our own errors say so; HTTP status and socket codes decide for the rest', () => {
    expect(isTransientError(new AppError('UNEXPECTED_ERROR', 'x', { isTransient: true }))).toBe(true);
    expect(isTransientError(new AppError('UNEXPECTED_ERROR', 'x'))).toBe(false);
    expect(isTransientError({ statusCode: 429 })).toBe(true);
    expect(isTransientError({ statusCode: 503 })).toBe(true);
    expect(isTransientError({ statusCode: 403 })).toBe(false);
    expect(isTransientError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientError(Object.assign(new Error('wrapped'), { cause: { code: 'ETIMEOUT' } }))).toBe(true);
    expect(isTransientError(new Error('Login failed'))).toBe(false);
  });

  test('toErrorInfo keeps a stable code and a redacted message', () => {
    // `x` is no host we know, so its path goes too
    expect(toErrorInfo(Object.assign(new Error('read https://x/y?sig=abc failed'), { code: 'ECONNRESET' }))).toEqual({
      code: 'NETWORK_ERROR',
      message: 'read https://x/REDACTED?sig=REDACTED failed (ECONNRESET)',
      transient: true,
    });
    expect(toErrorInfo('plain string')).toEqual({ code: 'UNEXPECTED_ERROR', message: 'plain string', transient: false });
  });
});
