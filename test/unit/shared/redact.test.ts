import { redactSecrets } from '../../../shared/redact';
import { AppError, isTransientError, toErrorInfo } from '../../../shared/errors';

describe('redactSecrets', () => {
  test('removes the signature of a SAS in a URL and a bare token', () => {
    const url = 'https://acct.blob.core.windows.net/backups/a.bak?sv=2022-11-02&ss=b&sp=rl&se=2026-11-22T10:00:00Z&sig=AbC%2Bdef123%3D';
    expect(redactSecrets(`Cannot open backup device '${url}'`)).toBe(
      "Cannot open backup device 'https://acct.blob.core.windows.net/backups/a.bak?sv=2022-11-02&ss=b&sp=rl&se=2026-11-22T10:00:00Z&sig=REDACTED'",
    );
    expect(redactSecrets('sv=2022-11-02&sp=rl&sig=xyz&skoid=abc')).toBe('sv=2022-11-02&sp=rl&sig=REDACTED&skoid=REDACTED');
  });

  test('removes account keys, passwords and T-SQL credential secrets', () => {
    expect(redactSecrets('DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0==;EndpointSuffix=core.windows.net')).toBe(
      'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=REDACTED;EndpointSuffix=core.windows.net',
    );
    expect(redactSecrets('Server=x;User Id=sa;Password=Pa55;w0rd')).toBe('Server=x;User Id=sa;Password=REDACTED;w0rd');
    expect(redactSecrets("CREATE CREDENTIAL [u] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = 'sv=1&sig=abc'")).toBe(
      "CREATE CREDENTIAL [u] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = 'REDACTED'",
    );
    expect(redactSecrets('{"storageContainerSasToken":"sv=1&sp=rl&sig=z","x":1}')).toBe('{"storageContainerSasToken":"REDACTED","x":1}');
    expect(redactSecrets('Authorization: Bearer eyJ0eXAi.abc.def')).toBe('Authorization: Bearer REDACTED');
  });

  test('AppError messages are redacted at construction', () => {
    const err = new AppError('SAS_REFUSED', 'storage refused https://a/b?sv=1&sig=secret');
    expect(err.message).not.toContain('secret');
  });
});

describe('transient error classification', () => {
  test('our own errors say so; HTTP status and socket codes decide for the rest', () => {
    expect(isTransientError(new AppError('X', 'x', { isTransient: true }))).toBe(true);
    expect(isTransientError(new AppError('X', 'x'))).toBe(false);
    expect(isTransientError({ statusCode: 429 })).toBe(true);
    expect(isTransientError({ statusCode: 503 })).toBe(true);
    expect(isTransientError({ statusCode: 403 })).toBe(false);
    expect(isTransientError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientError(Object.assign(new Error('wrapped'), { cause: { code: 'ETIMEOUT' } }))).toBe(true);
    expect(isTransientError(new Error('Login failed'))).toBe(false);
  });

  test('toErrorInfo keeps a stable code and a redacted message', () => {
    expect(toErrorInfo(Object.assign(new Error('read https://x/y?sig=abc failed'), { code: 'ECONNRESET' }))).toEqual({
      code: 'ECONNRESET',
      message: 'read https://x/y?sig=REDACTED failed',
      transient: true,
    });
    expect(toErrorInfo('plain string')).toEqual({ code: 'UNEXPECTED_ERROR', message: 'plain string', transient: false });
  });
});
